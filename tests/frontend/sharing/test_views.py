"""The staff pages of sharing: browse and filter posts, hide with a reason and show again, the reports
queue, post and answer for a resident with no phone, act for them, the exchanges overview with overdue
loans, the catalogue and the banned words; and who may open them."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from backend.extensions import db
from backend.sharing import exchanges, moderation, posts
from backend.sharing.models import BannedWord, Post, PostResponse, ShareCategory
from tests.factories import UserFactory
from tests.timing import EPOCH


@pytest.fixture
def neighbour(world):
    user = UserFactory(username="resident2", role="resident", home=world.H2)
    db.session.commit()
    return user


def _post(world, **data):
    post = posts.create_post(db.session, world.resident1, {"kind": "lend", "title": "电钻出借"} | data)
    db.session.commit()
    return post


def test_staff_browse_and_filter_their_communitys_posts(world, browser, neighbour):
    lend, give = _post(world), _post(world, kind="give", title="旧书包")
    moderation.report(db.session, neighbour, give, {"reason": "像广告"})
    db.session.commit()
    staff1 = browser("staff1")
    html = staff1.get("/sharing/").get_data(as_text=True)
    assert f'id="post-{lend.id}"' in html and f'id="post-{give.id}"' in html
    assert 'data-count="reported">1<' in html
    only_give = staff1.get("/sharing/?kind=give", htmx=True).get_data(as_text=True)
    assert f'id="post-{give.id}"' in only_give and f'id="post-{lend.id}"' not in only_give
    reported = staff1.get("/sharing/?reported=1").get_data(as_text=True)
    assert f'id="post-{give.id}"' in reported and f'id="post-{lend.id}"' not in reported
    other = browser("staff2").get("/sharing/").get_data(as_text=True)
    assert lend.id not in other
    assert browser("staff2").get(f"/sharing/posts/{lend.id}").status_code == 404


def test_hide_with_a_reason_and_show_again(world, browser, neighbour):
    post = _post(world)
    staff1 = browser("staff1")
    refused = staff1.post(f"/sharing/posts/{post.id}/hide", {"reason": ""})
    assert refused.status_code == 422 and 'aria-invalid="true"' in refused.get_data(as_text=True)
    assert staff1.post(f"/sharing/posts/{post.id}/hide", {"reason": "商业广告"}).status_code == 303
    db.session.expire_all()
    assert db.session.get(Post, post.id).status == "hidden"
    page = staff1.get(f"/sharing/posts/{post.id}").get_data(as_text=True)
    assert "商业广告" in page and 'id="do-unhide"' in page
    assert staff1.post(f"/sharing/posts/{post.id}/unhide").status_code == 303
    db.session.expire_all()
    assert db.session.get(Post, post.id).status == "open"


def test_the_reports_queue_and_dismissing(world, browser, neighbour):
    post = _post(world)
    report = moderation.report(db.session, neighbour, post, {"reason": "疑似诈骗"})
    db.session.commit()
    staff1 = browser("staff1")
    html = staff1.get("/sharing/reports").get_data(as_text=True)
    assert f'id="report-{report.id}"' in html and "疑似诈骗" in html
    assert report.id not in browser("staff2").get("/sharing/reports").get_data(as_text=True)
    assert staff1.post(f"/sharing/reports/{report.id}/dismiss", {"note": "正常"}).status_code == 303
    assert report.id not in staff1.get("/sharing/reports").get_data(as_text=True)
    assert report.id in staff1.get("/sharing/reports?status=dismissed").get_data(as_text=True)


def test_post_for_a_resident_with_no_phone_and_act_for_them(world, browser, neighbour):
    staff1 = browser("staff1")
    form = staff1.get(f"/sharing/posts/new?community={world.C1.id}&q=张秀英").get_data(as_text=True)
    assert world.R1b.id in form
    data = {"resident_id": world.R1b.id, "kind": "lend", "title": "轮椅出借", "reach": "community", "capacity": "1"}
    refused = staff1.post(f"/sharing/posts/new?community={world.C1.id}", data)
    assert refused.status_code == 422 and "agreed" in refused.get_data(as_text=True)
    made = staff1.post(f"/sharing/posts/new?community={world.C1.id}", data | {"consent": "1",
                                                                               "consent_given_by": "张秀英"})
    assert made.status_code == 303
    post = db.session.scalar(select(Post).where(Post.title == "轮椅出借"))
    assert (post.on_behalf, post.consent, post.author_name) == (True, True, "张秀英")
    answer = exchanges.respond(db.session, neighbour, {"post_id": post.id, "message": "我想借用"})
    db.session.commit()
    page = staff1.get(f"/sharing/posts/{post.id}").get_data(as_text=True)
    assert 'data-action="accept"' in page
    assert staff1.post(f"/sharing/exchanges/{answer.id}/accept").status_code == 303
    due = (EPOCH + timedelta(days=3)).date().isoformat()
    assert staff1.post(f"/sharing/exchanges/{answer.id}/hand_over", {"due_at": due}).status_code == 303
    db.session.expire_all()
    loan = db.session.get(PostResponse, answer.id)
    assert loan.status == "lent" and loan.due_at.date().isoformat() == due
    exchanges.sweep(db.session, now=EPOCH + timedelta(days=5))
    db.session.commit()
    overview = staff1.get("/sharing/exchanges?overdue=1").get_data(as_text=True)
    assert f'id="exchange-{answer.id}"' in overview and 'data-test="overdue-badge"' in overview
    assert 'id="nav-sharing-overdue"' in staff1.get("/sharing/").get_data(as_text=True)


def test_answer_for_a_resident_with_no_phone(world, browser):
    post = _post(world)
    staff1 = browser("staff1")
    refused = staff1.post(f"/sharing/posts/{post.id}/answer", {"resident_id": world.R1b.id, "message": "想借"})
    assert refused.status_code == 422
    done = staff1.post(f"/sharing/posts/{post.id}/answer", {"resident_id": world.R1b.id, "message": "想借",
                                                            "consent": "1"})
    assert done.status_code == 303
    answer = db.session.scalar(select(PostResponse).where(PostResponse.post_id == post.id))
    assert answer.on_behalf and answer.responder_name == "张秀英"


def test_the_catalogue_and_the_banned_words(world, browser):
    staff1 = browser("staff1")
    assert staff1.post(f"/sharing/categories?community={world.C1.id}", {"name": "工具"}).status_code == 303
    assert staff1.post(f"/sharing/categories?community={world.C1.id}", {"name": "工具"}).status_code == 422
    category = db.session.scalar(select(ShareCategory))
    assert "工具" in staff1.get("/sharing/categories").get_data(as_text=True)
    assert staff1.post(f"/sharing/categories/{category.id}/retire").status_code == 303
    assert staff1.get("/sharing/words").status_code == 403
    street1 = browser("street1")
    assert street1.post("/sharing/words", {"word": "发票"}).status_code == 303
    assert street1.post("/sharing/words", {"word": ""}).status_code == 422
    word = db.session.scalar(select(BannedWord))
    assert "发票" in street1.get("/sharing/words").get_data(as_text=True)
    assert street1.post(f"/sharing/words/{word.id}/remove").status_code == 303


@pytest.mark.parametrize(("username", "status"), [("resident1", 404), ("worker1", 403), ("volunteer1", 404)])
def test_the_pages_are_the_offices(world, browser, username, status):
    assert browser(username, staff=username != "resident1").get("/sharing/").status_code == status
