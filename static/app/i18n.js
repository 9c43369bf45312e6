// The field app's words, in Simplified Chinese (default), Traditional Chinese and English.
const zhHans = {
  appName: "邻里", households: "住户", tasks: "走访任务", patrol: "巡查上报", syncPage: "同步", settings: "设置",
  signInTitle: "登录邻里", username: "用户名", password: "密码", signIn: "登录", signingIn: "正在登录…",
  signInFailed: "用户名或密码不正确。", signInThrottled: "尝试次数过多，请稍后再试。",
  signInOffline: "首次登录需要网络。请在有信号的地方登录。", signInAgain: "登录已失效，请重新登录。未发送的记录仍保存在本机，登录后会继续发送。",
  online: "在线", offline: "离线", waiting: (n) => `${n} 条待发送`, nothingWaiting: "没有待发送的记录",
  syncing: "正在同步…", uploadingPhotos: (i, n) => `正在上传照片 ${i}/${n}`, pushing: (i, n) => `正在发送 ${i}/${n}`,
  pulling: (n) => `正在接收更新（${n} 条）`, lastSync: (t) => `上次同步：${t}`, neverSynced: "尚未同步",
  syncNow: "立即同步", syncFailed: "同步失败，稍后自动重试。", updating: "正在更新应用…",
  search: "按姓名或地址搜索", searchLabel: "搜索住户", noHouseholds: "没有住户。同步后会显示你所在网格的住户。",
  moreResults: (n) => `还有 ${n} 户，请输入更多关键词`, members: (n) => `${n} 人`, waitingBadge: "待发送",
  residents: "居民", visitHistory: "走访记录", noVisits: "还没有走访记录。", recordVisit: "记录走访",
  editHousehold: "修改住户信息", address: "地址", notes: "备注", save: "保存", cancel: "取消", saved: "已保存，待发送。",
  back: "返回", dueTasks: "待走访", noTasks: "没有待办的走访任务。", due: (d) => `截止 ${d}`, overdue: "已逾期",
  visitedAt: "走访时间", findings: "走访发现", followUp: "需要跟进", location: "记录当前位置", locating: "正在定位…",
  locationFailed: "无法获取位置，记录时不含位置。", photos: "照片", addPhoto: "拍照或选择照片", photoCount: (n) => `${n} 张照片`,
  processingPhotos: "正在处理照片…", visitSaved: "走访已保存，待发送。", household: "住户",
  category: "类别", description: "情况描述", grid: "网格", submitReport: "提交上报", reportSaved: "巡查上报已保存，待发送。",
  recentReports: "我的巡查上报", noReports: "还没有巡查上报。", required: "此项必填。",
  rejected: "未被接受的修改", noRejected: "没有未被接受的修改。", conflicts: "冲突提醒", noConflicts: "没有冲突。",
  rejectedVisit: (a) => `对「${a}」的走访`, rejectedPatrol: "巡查上报", rejectedHousehold: (a) => `对住户「${a}」的修改`,
  rejectedOther: "一条修改",
  conflictText: (what, fields, won) => `你离线时对${what}的修改（${fields}）与他人的修改冲突。` +
    (won ? "按“较晚的修改为准”的规则，你的修改生效。" : "按规则，另一方的修改生效，你的修改已保存在冲突记录中，社区工作人员会复核。"),
  dismiss: "知道了", largeText: "大字体", signOut: "退出登录",
  signOutConfirm: (n) => `还有 ${n} 条记录没有发送，退出登录会丢失它们。确定退出吗？`,
  switchUserConfirm: (who, n) => `这部手机上还有 ${who} 的 ${n} 条记录没有发送。换成其他账号登录会丢失它们。确定继续吗？`,
  switchUserKept: (who) => `已保留未发送的记录。请用 ${who} 登录，同步后再换账号。`,
  signedInAs: (u) => `当前用户：${u}`, unknownHousehold: "（未知住户）", justNow: "刚刚",
  tags: {
    elderly_alone: "独居老人", left_behind_child: "留守儿童", left_behind_woman: "留守妇女", left_behind_elder: "留守老人",
    disabled: "残疾人", dibao: "低保户", special_hardship: "特困人员", community_correction: "社区矫正",
    rehabilitation: "社区康复",
  },
  findingList: {
    all_well: "一切正常", health_concern: "健康问题", living_difficulty: "生活困难", housing_safety: "居住安全隐患",
    needs_assistance: "需要帮扶", low_mood: "情绪低落或孤独", dispute: "家庭或邻里纠纷", other: "其他",
  },
  categories: {
    illegal_construction: "违章搭建", street_stall: "乱设摊点", illegal_parking: "违禁停车", repair: "需要维修",
    safety_hazard: "安全隐患", dispute: "矛盾纠纷", environment: "环境卫生", other: "其他",
  },
  fieldNames: { address: "地址", notes: "备注", head_name: "户主", care_tags: "关爱标签" },
};

const zhHant = {
  ...zhHans,
  appName: "鄰里", households: "住戶", tasks: "走訪任務", patrol: "巡查上報", syncPage: "同步", settings: "設定",
  signInTitle: "登入鄰里", username: "用戶名", password: "密碼", signIn: "登入", signingIn: "正在登入…",
  signInFailed: "用戶名或密碼不正確。", signInThrottled: "嘗試次數過多，請稍後再試。",
  signInOffline: "首次登入需要網路。請在有訊號的地方登入。", signInAgain: "登入已失效，請重新登入。未發送的記錄仍保存在本機，登入後會繼續發送。",
  online: "線上", offline: "離線", waiting: (n) => `${n} 條待發送`, nothingWaiting: "沒有待發送的記錄",
  syncing: "正在同步…", uploadingPhotos: (i, n) => `正在上傳照片 ${i}/${n}`, pushing: (i, n) => `正在發送 ${i}/${n}`,
  pulling: (n) => `正在接收更新（${n} 條）`, lastSync: (t) => `上次同步：${t}`, neverSynced: "尚未同步",
  syncNow: "立即同步", syncFailed: "同步失敗，稍後自動重試。", updating: "正在更新應用…",
  search: "按姓名或地址搜尋", searchLabel: "搜尋住戶", noHouseholds: "沒有住戶。同步後會顯示你所在網格的住戶。",
  moreResults: (n) => `還有 ${n} 戶，請輸入更多關鍵字`, members: (n) => `${n} 人`, waitingBadge: "待發送",
  residents: "居民", visitHistory: "走訪記錄", noVisits: "還沒有走訪記錄。", recordVisit: "記錄走訪",
  editHousehold: "修改住戶資訊", address: "地址", notes: "備註", save: "儲存", cancel: "取消", saved: "已儲存，待發送。",
  back: "返回", dueTasks: "待走訪", noTasks: "沒有待辦的走訪任務。", due: (d) => `截止 ${d}`, overdue: "已逾期",
  visitedAt: "走訪時間", findings: "走訪發現", followUp: "需要跟進", location: "記錄目前位置", locating: "正在定位…",
  locationFailed: "無法取得位置，記錄時不含位置。", photos: "照片", addPhoto: "拍照或選擇照片", photoCount: (n) => `${n} 張照片`,
  processingPhotos: "正在處理照片…", visitSaved: "走訪已儲存，待發送。", household: "住戶",
  category: "類別", description: "情況描述", grid: "網格", submitReport: "提交上報", reportSaved: "巡查上報已儲存，待發送。",
  recentReports: "我的巡查上報", noReports: "還沒有巡查上報。", required: "此項必填。",
  rejected: "未被接受的修改", noRejected: "沒有未被接受的修改。", conflicts: "衝突提醒", noConflicts: "沒有衝突。",
  rejectedVisit: (a) => `對「${a}」的走訪`, rejectedPatrol: "巡查上報", rejectedHousehold: (a) => `對住戶「${a}」的修改`,
  rejectedOther: "一條修改",
  conflictText: (what, fields, won) => `你離線時對${what}的修改（${fields}）與他人的修改衝突。` +
    (won ? "按「較晚的修改為準」的規則，你的修改生效。" : "按規則，另一方的修改生效，你的修改已保存在衝突記錄中，社區工作人員會複核。"),
  dismiss: "知道了", largeText: "大字體", signOut: "登出",
  signOutConfirm: (n) => `還有 ${n} 條記錄沒有發送，登出會遺失它們。確定登出嗎？`,
  switchUserConfirm: (who, n) => `這部手機上還有 ${who} 的 ${n} 條記錄沒有發送。換成其他帳號登入會遺失它們。確定繼續嗎？`,
  switchUserKept: (who) => `已保留未發送的記錄。請用 ${who} 登入，同步後再換帳號。`,
  signedInAs: (u) => `目前用戶：${u}`, unknownHousehold: "（未知住戶）", justNow: "剛剛",
  tags: {
    elderly_alone: "獨居老人", left_behind_child: "留守兒童", left_behind_woman: "留守婦女", left_behind_elder: "留守老人",
    disabled: "殘疾人", dibao: "低保戶", special_hardship: "特困人員", community_correction: "社區矯正",
    rehabilitation: "社區康復",
  },
  findingList: {
    all_well: "一切正常", health_concern: "健康問題", living_difficulty: "生活困難", housing_safety: "居住安全隱患",
    needs_assistance: "需要幫扶", low_mood: "情緒低落或孤獨", dispute: "家庭或鄰里糾紛", other: "其他",
  },
  categories: {
    illegal_construction: "違章搭建", street_stall: "亂設攤點", illegal_parking: "違禁停車", repair: "需要維修",
    safety_hazard: "安全隱患", dispute: "矛盾糾紛", environment: "環境衛生", other: "其他",
  },
  fieldNames: { address: "地址", notes: "備註", head_name: "戶主", care_tags: "關愛標籤" },
};

const en = {
  appName: "Linli", households: "Households", tasks: "Visit tasks", patrol: "Patrol report", syncPage: "Sync",
  settings: "Settings", signInTitle: "Sign in to Linli", username: "Username", password: "Password", signIn: "Sign in",
  signingIn: "Signing in…", signInFailed: "Wrong username or password.", signInThrottled: "Too many attempts; try again later.",
  signInOffline: "The first sign-in needs a network. Sign in where there is signal.",
  signInAgain: "Your sign-in has expired. Sign in again; your unsent records are kept on this device and will be sent.",
  online: "Online", offline: "Offline", waiting: (n) => `${n} waiting`, nothingWaiting: "Nothing waiting",
  syncing: "Syncing…", uploadingPhotos: (i, n) => `Uploading photos ${i}/${n}`, pushing: (i, n) => `Sending ${i}/${n}`,
  pulling: (n) => `Receiving updates (${n})`, lastSync: (t) => `Last sync: ${t}`, neverSynced: "Not synced yet",
  syncNow: "Sync now", syncFailed: "Sync failed; retrying later.", updating: "Updating the app…",
  search: "Search by name or address", searchLabel: "Search households",
  noHouseholds: "No households. Your grids' households appear after a sync.",
  moreResults: (n) => `${n} more; type more to narrow`, members: (n) => `${n} people`, waitingBadge: "Waiting",
  residents: "Residents", visitHistory: "Visits", noVisits: "No visits yet.", recordVisit: "Record a visit",
  editHousehold: "Edit household", address: "Address", notes: "Notes", save: "Save", cancel: "Cancel",
  saved: "Saved; waiting to send.", back: "Back", dueTasks: "Due visits", noTasks: "No visit tasks due.",
  due: (d) => `Due ${d}`, overdue: "Overdue", visitedAt: "Time of visit", findings: "Findings", followUp: "Follow-up needed",
  location: "Record my location", locating: "Locating…", locationFailed: "No location; recorded without it.",
  photos: "Photos", addPhoto: "Take or choose photos", photoCount: (n) => `${n} photos`,
  processingPhotos: "Processing photos…", visitSaved: "Visit saved; waiting to send.", household: "Household",
  category: "Category", description: "Description", grid: "Grid", submitReport: "Submit report",
  reportSaved: "Patrol report saved; waiting to send.", recentReports: "My patrol reports", noReports: "No patrol reports yet.",
  required: "This field is required.", rejected: "Changes not accepted", noRejected: "No rejected changes.",
  conflicts: "Conflicts", noConflicts: "No conflicts.", rejectedVisit: (a) => `Visit to "${a}"`,
  rejectedPatrol: "Patrol report", rejectedHousehold: (a) => `Change to household "${a}"`, rejectedOther: "A change",
  conflictText: (what, fields, won) => `Your offline change to ${what} (${fields}) collided with someone else's. ` +
    (won ? "The later change wins: yours stands." : "Theirs stands; yours is kept in a conflict record for staff to review."),
  dismiss: "Dismiss", largeText: "Large text", signOut: "Sign out",
  signOutConfirm: (n) => `${n} records have not been sent and will be lost if you sign out. Sign out anyway?`,
  switchUserConfirm: (who, n) => `${n} records of ${who} on this phone have not been sent. Signing in as someone else discards them. Continue?`,
  switchUserKept: (who) => `The unsent records are kept. Sign in as ${who}, sync, then switch accounts.`,
  signedInAs: (u) => `Signed in as ${u}`, unknownHousehold: "(unknown household)", justNow: "just now",
  tags: {
    elderly_alone: "Elderly living alone", left_behind_child: "Left-behind child", left_behind_woman: "Left-behind woman",
    left_behind_elder: "Left-behind elder", disabled: "Disabled", dibao: "Minimum livelihood",
    special_hardship: "Extreme hardship", community_correction: "Community correction", rehabilitation: "Rehabilitation",
  },
  findingList: {
    all_well: "All well", health_concern: "Health concern", living_difficulty: "Difficulty in daily living",
    housing_safety: "Housing safety problem", needs_assistance: "Needs assistance", low_mood: "Low mood or loneliness",
    dispute: "Family or neighbour dispute", other: "Other",
  },
  categories: {
    illegal_construction: "Illegal construction", street_stall: "Street stall", illegal_parking: "Illegal parking",
    repair: "Needs repair", safety_hazard: "Safety hazard", dispute: "Dispute", environment: "Environment", other: "Other",
  },
  fieldNames: { address: "address", notes: "notes", head_name: "head of household", care_tags: "care tags" },
};

const DICTS = { "zh-Hans": zhHans, "zh-Hant": zhHant, en };

export function pickLanguage(pageLang, browserLang) {
  for (const tag of [pageLang, browserLang]) {
    const t = (tag || "").toLowerCase().replace("_", "-");
    if (!t) continue;
    if (t.startsWith("en")) return "en";
    if (/^zh-(hant|tw|hk|mo)/.test(t)) return "zh-Hant";
    if (t.startsWith("zh")) return "zh-Hans";
  }
  return "zh-Hans";
}

export const lang = pickLanguage(globalThis.document?.documentElement.lang, globalThis.navigator?.language);
export const t = DICTS[lang];
