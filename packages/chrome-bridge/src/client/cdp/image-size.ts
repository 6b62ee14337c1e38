/** Pixel size of a base64 PNG or JPEG, read from its header (no DOM `Image` in a service worker). */
export function imageSize(base64: string): { width: number; height: number } {
  // The JPEG frame header usually sits in the first kilobytes; only decode more when it does not.
  const small = sizeFromHead(decodeBase64(base64.slice(0, 4096)));
  return small.width > 0 || base64.length <= 4096 ? small : sizeFromHead(decodeBase64(base64.slice(0, 256 * 1024)));
}

function sizeFromHead(head: Uint8Array): { width: number; height: number } {
  if (head[0] === 0x89 && head[1] === 0x50) {
    const v = new DataView(head.buffer, head.byteOffset, head.byteLength);
    return { width: v.getUint32(16), height: v.getUint32(20) };
  }
  if (head[0] === 0xff && head[1] === 0xd8) {
    let i = 2;
    while (i + 9 < head.length) {
      if (head[i] !== 0xff) {
        i++;
        continue;
      }
      const marker = head[i + 1] as number;
      const len = ((head[i + 2] as number) << 8) | (head[i + 3] as number);
      // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC) carry the frame size.
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        const height = ((head[i + 5] as number) << 8) | (head[i + 6] as number);
        const width = ((head[i + 7] as number) << 8) | (head[i + 8] as number);
        return { width, height };
      }
      i += 2 + len;
    }
  }
  return { width: 0, height: 0 };
}

function decodeBase64(b64: string): Uint8Array {
  const clean = b64.slice(0, b64.length - (b64.length % 4));
  const bin = atob(clean);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
