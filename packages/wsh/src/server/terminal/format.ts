import type { IBufferCell, IBufferLine } from "@xterm/headless";
import type { Color, Format, FormattedLine, Span } from "../../protocol/screen.js";

function color(cell: IBufferCell, which: "fg" | "bg"): Color | undefined {
  const isPalette = which === "fg" ? cell.isFgPalette() : cell.isBgPalette();
  const isRgb = which === "fg" ? cell.isFgRGB() : cell.isBgRGB();
  const value = which === "fg" ? cell.getFgColor() : cell.getBgColor();
  if (isPalette) return { indexed: value };
  if (isRgb) return { rgb: { r: (value >> 16) & 0xff, g: (value >> 8) & 0xff, b: value & 0xff } };
  return undefined;
}

function cellStyle(cell: IBufferCell): Omit<Span, "text"> {
  const s: Omit<Span, "text"> = {};
  const fg = color(cell, "fg");
  const bg = color(cell, "bg");
  if (fg) s.fg = fg;
  if (bg) s.bg = bg;
  if (cell.isBold()) s.bold = true;
  if (cell.isDim()) s.faint = true;
  if (cell.isItalic()) s.italic = true;
  if (cell.isUnderline()) s.underline = true;
  if (cell.isStrikethrough()) s.strikethrough = true;
  if (cell.isBlink()) s.blink = true;
  if (cell.isInverse()) s.inverse = true;
  return s;
}

/**
 * Style identity of a cell. xterm's cell objects carry the packed colour+flag words `fg` and `bg`
 * (not in the typings); comparing those is much cheaper than eleven accessor calls per cell.
 */
function styleKey(cell: IBufferCell): number | string {
  const c = cell as IBufferCell & { fg?: unknown; bg?: unknown };
  if (typeof c.fg === "number" && typeof c.bg === "number") return c.fg * 0x100000000 + c.bg;
  return `${cell.getFgColorMode()}:${cell.getFgColor()}:${cell.getBgColorMode()}:${cell.getBgColor()}:${cell.isBold()}${cell.isDim()}${cell.isItalic()}${cell.isUnderline()}${cell.isStrikethrough()}${cell.isBlink()}${cell.isInverse()}`;
}

const isDefault = (span: Span) => Object.keys(span).length === 1;

/**
 * Styled: one span per run of equally styled cells, skipping the right half of wide characters;
 * trailing whitespace is trimmed only from trailing default-styled spans (coloured padding stays).
 */
export function styledLine(line: IBufferLine | undefined, cell: IBufferCell): Span[] {
  if (!line) return [];
  const spans: Span[] = [];
  let key: number | string = -1;
  let text: string[] = [];
  let current: Span | undefined;
  for (let x = 0; x < line.length; x++) {
    line.getCell(x, cell);
    if (cell.getWidth() === 0) continue;
    const k = styleKey(cell);
    if (!current || k !== key) {
      if (current) current.text = text.join("");
      current = { text: "", ...cellStyle(cell) };
      text = [];
      key = k;
      spans.push(current);
    }
    text.push(cell.getChars() || " ");
  }
  if (current) current.text = text.join("");
  while (spans.length > 0) {
    const last = spans[spans.length - 1] as Span;
    if (!isDefault(last)) break;
    last.text = last.text.trimEnd();
    if (last.text !== "") break;
    spans.pop();
  }
  return spans;
}

export function plainLine(line: IBufferLine | undefined): string {
  return line ? line.translateToString(true).trimEnd() : "";
}

export function formatLine(line: IBufferLine | undefined, format: Format, cell: IBufferCell): FormattedLine {
  return format === "plain" ? plainLine(line) : styledLine(line, cell);
}
