import { GLYPH_HEIGHT, GLYPH_WIDTH, glyphRows } from "./font-5x7.js";
import { encodePng } from "./png.js";

export interface RenderOptions {
  cols: number;
  rows: number;
  /** Pixels per font dot. Default 2. */
  scale?: number;
  foreground?: [number, number, number];
  background?: [number, number, number];
}

/** Cell size in font dots: a 1-dot gap right of each glyph; below it a descender row and a gap. */
export const CELL_W = GLYPH_WIDTH + 1;
export const CELL_H = GLYPH_HEIGHT + 2;
/** Letters drawn one dot lower so their tails hang below the baseline. */
const DESCENDERS = new Set(["g", "j", "p", "q", "y"]);

export function consoleImageSize(o: RenderOptions): { width: number; height: number } {
  const scale = o.scale ?? 2;
  return { width: (o.cols * CELL_W + 2) * scale, height: (o.rows * CELL_H + 2) * scale };
}

/** Draws lines of text (monospace, clipped to cols x rows) as RGB pixels. */
export function renderConsole(
  lines: readonly string[],
  o: RenderOptions,
): { width: number; height: number; rgb: Uint8Array } {
  const scale = o.scale ?? 2;
  const { width, height } = consoleImageSize(o);
  const fg = o.foreground ?? [0x33, 0xff, 0x66];
  const bg = o.background ?? [0x10, 0x10, 0x10];
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) rgb.set(bg, i * 3);
  const dot = (dx: number, dy: number) => {
    for (let sy = 0; sy < scale; sy++) {
      const row = (dy * scale + sy) * width;
      for (let sx = 0; sx < scale; sx++) rgb.set(fg, (row + dx * scale + sx) * 3);
    }
  };
  lines.slice(0, o.rows).forEach((line, r) => {
    [...line].slice(0, o.cols).forEach((ch, c) => {
      if (ch === " ") return;
      const rows = glyphRows(ch);
      const drop = DESCENDERS.has(ch) ? 1 : 0;
      for (let gy = 0; gy < GLYPH_HEIGHT; gy++) {
        const bits = rows[gy] as number;
        for (let gx = 0; gx < GLYPH_WIDTH; gx++) {
          if (bits & (1 << (GLYPH_WIDTH - 1 - gx))) dot(1 + c * CELL_W + gx, 1 + r * CELL_H + gy + drop);
        }
      }
    });
  });
  return { width, height, rgb };
}

/** The console as a PNG image. */
export function renderConsolePng(lines: readonly string[], o: RenderOptions): Buffer {
  const { width, height, rgb } = renderConsole(lines, o);
  return encodePng(width, height, rgb);
}

/** A 12x19 arrow pointer (1 = outline, 2 = fill), its tip at the top-left cell. */
const POINTER = [
  "1",
  "11",
  "121",
  "1221",
  "12221",
  "122221",
  "1222221",
  "12222221",
  "122222221",
  "1222222221",
  "12222222221",
  "122222211111",
  "1222121",
  "12211221",
  "12101221",
  "1100 1221",
  "10   1221",
  "      1221",
  "       11",
];

/** Draws the mouse pointer with its tip at pixel (x, y), clipped to the image. */
export function drawPointer(img: { width: number; height: number; rgb: Uint8Array }, x: number, y: number): void {
  POINTER.forEach((row, dy) => {
    for (let dx = 0; dx < row.length; dx++) {
      const c = row[dx];
      if (c !== "1" && c !== "2") continue;
      const px = x + dx;
      const py = y + dy;
      if (px < 0 || py < 0 || px >= img.width || py >= img.height) continue;
      const v = c === "1" ? 0x00 : 0xff;
      img.rgb.fill(v, (py * img.width + px) * 3, (py * img.width + px) * 3 + 3);
    }
  });
}
