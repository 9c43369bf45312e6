// Photos: resized in the browser (long side at most 1600 px) and re-encoded
// as JPEG, which drops EXIF (and any GPS in it); the capture time is kept as a
// field; named by the SHA-256 of the new bytes.
export const MAX_SIDE = 1600;

async function encode(bitmap) {
  const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
  const width = Math.max(1, Math.round(bitmap.width * scale));
  const height = Math.max(1, Math.round(bitmap.height * scale));
  if (typeof OffscreenCanvas !== "undefined") {
    const canvas = new OffscreenCanvas(width, height);
    canvas.getContext("2d").drawImage(bitmap, 0, 0, width, height);
    return { blob: await canvas.convertToBlob({ type: "image/jpeg", quality: 0.85 }), width, height };
  }
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  canvas.getContext("2d").drawImage(bitmap, 0, 0, width, height);
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.85));
  return { blob, width, height };
}

export async function sha256Hex(blob) {
  const digest = await crypto.subtle.digest("SHA-256", await blob.arrayBuffer());
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

export async function processPhoto(file) {
  const bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
  const { blob, width, height } = await encode(bitmap);
  bitmap.close?.();
  return { sha256: await sha256Hex(blob), blob, type: "image/jpeg", width, height,
           captured_at: new Date(file.lastModified || Date.now()).toISOString() };
}
