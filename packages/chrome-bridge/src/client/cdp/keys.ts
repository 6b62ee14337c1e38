/** What CDP needs to synthesise one key (a small US layout, like Puppeteer's USKeyboardLayout). */
export interface KeyDefinition {
  key: string;
  code: string;
  keyCode: number;
  /** Text the key produces without Ctrl/Alt/Meta held ("" for none). */
  text: string;
  /** Key and text with Shift held. */
  shiftKey?: string;
  location?: number;
}

const NAMED: Record<string, Omit<KeyDefinition, "key">> = {
  Enter: { code: "Enter", keyCode: 13, text: "\r" },
  Tab: { code: "Tab", keyCode: 9, text: "" },
  Escape: { code: "Escape", keyCode: 27, text: "" },
  Backspace: { code: "Backspace", keyCode: 8, text: "" },
  Delete: { code: "Delete", keyCode: 46, text: "" },
  Insert: { code: "Insert", keyCode: 45, text: "" },
  ArrowUp: { code: "ArrowUp", keyCode: 38, text: "" },
  ArrowDown: { code: "ArrowDown", keyCode: 40, text: "" },
  ArrowLeft: { code: "ArrowLeft", keyCode: 37, text: "" },
  ArrowRight: { code: "ArrowRight", keyCode: 39, text: "" },
  Home: { code: "Home", keyCode: 36, text: "" },
  End: { code: "End", keyCode: 35, text: "" },
  PageUp: { code: "PageUp", keyCode: 33, text: "" },
  PageDown: { code: "PageDown", keyCode: 34, text: "" },
  " ": { code: "Space", keyCode: 32, text: " " },
  Control: { code: "ControlLeft", keyCode: 17, text: "", location: 1 },
  Shift: { code: "ShiftLeft", keyCode: 16, text: "", location: 1 },
  Alt: { code: "AltLeft", keyCode: 18, text: "", location: 1 },
  Meta: { code: "MetaLeft", keyCode: 91, text: "", location: 1 },
};
const ALIASES: Record<string, string> = {
  return: "Enter",
  esc: "Escape",
  space: " ",
  spacebar: " ",
  del: "Delete",
  up: "ArrowUp",
  down: "ArrowDown",
  left: "ArrowLeft",
  right: "ArrowRight",
  ctrl: "Control",
  control: "Control",
  shift: "Shift",
  alt: "Alt",
  option: "Alt",
  meta: "Meta",
  command: "Meta",
  cmd: "Meta",
};

/** US punctuation: unshifted char -> [code, keyCode, shifted char]. */
const PUNCT: Record<string, [string, number, string]> = {
  "-": ["Minus", 189, "_"],
  "=": ["Equal", 187, "+"],
  "[": ["BracketLeft", 219, "{"],
  "]": ["BracketRight", 221, "}"],
  "\\": ["Backslash", 220, "|"],
  ";": ["Semicolon", 186, ":"],
  "'": ["Quote", 222, '"'],
  ",": ["Comma", 188, "<"],
  ".": ["Period", 190, ">"],
  "/": ["Slash", 191, "?"],
  "`": ["Backquote", 192, "~"],
};
const DIGIT_SHIFTED = ")!@#$%^&*(";

/** Looks up a key by DOM key name, alias or single character; undefined when unknown. */
export function keyDefinition(name: string): KeyDefinition | undefined {
  const canonical = NAMED[name] ? name : ALIASES[name.toLowerCase()];
  if (canonical && NAMED[canonical]) return { key: canonical, ...NAMED[canonical] };
  const f = /^F([1-9]|1[0-2])$/i.exec(name);
  if (f) return { key: `F${f[1]}`, code: `F${f[1]}`, keyCode: 111 + Number(f[1]), text: "" };
  if ([...name].length !== 1) return undefined;
  if (/^[a-z]$/i.test(name)) {
    const upper = name.toUpperCase();
    return { key: name, code: `Key${upper}`, keyCode: upper.charCodeAt(0), text: name, shiftKey: upper };
  }
  if (/^[0-9]$/.test(name)) {
    return {
      key: name,
      code: `Digit${name}`,
      keyCode: name.charCodeAt(0),
      text: name,
      shiftKey: DIGIT_SHIFTED[Number(name)] as string,
    };
  }
  const p = PUNCT[name];
  if (p) return { key: name, code: p[0], keyCode: p[1], text: name, shiftKey: p[2] };
  for (const [code, keyCode, shifted] of Object.values(PUNCT)) {
    if (shifted === name) return { key: name, code, keyCode, text: name, shiftKey: name };
  }
  const d = DIGIT_SHIFTED.indexOf(name);
  if (d >= 0) return { key: name, code: `Digit${d}`, keyCode: 48 + d, text: name, shiftKey: name };
  // Any other single character: no physical key, but a keydown with that key and text works.
  return { key: name, code: "", keyCode: 0, text: name };
}
