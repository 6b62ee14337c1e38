import type { CdpSession } from "./tab-host.js";

// `include_cursor`: a pointer arrow drawn into the page for the duration of one capture, inside a
// closed shadow root with pointer-events:none so the page can neither style nor hit it.
const OVERLAY_ID = "__chrome_bridge_cursor__";
const ARROW =
  '<svg xmlns="http://www.w3.org/2000/svg" width="16" height="24" viewBox="0 0 16 24">' +
  '<path d="M1 1 L1 19 L5.5 14.5 L8.5 21.5 L11 20.5 L8 13.5 L14 13.5 Z" fill="black" stroke="white" stroke-width="1.2"/></svg>';

function showExpression(x: number, y: number): string {
  return `(() => {
    let host = document.getElementById(${JSON.stringify(OVERLAY_ID)});
    if (!host) {
      host = document.createElement("div");
      host.id = ${JSON.stringify(OVERLAY_ID)};
      host.style.cssText = "position:fixed;left:0;top:0;width:0;height:0;z-index:2147483647;pointer-events:none";
      host.attachShadow({ mode: "closed" }).innerHTML = ${JSON.stringify(ARROW)};
      (document.body || document.documentElement).appendChild(host);
    }
    host.style.transform = "translate(${x}px, ${y}px)";
    return true;
  })()`;
}

const HIDE = `document.getElementById(${JSON.stringify(OVERLAY_ID)})?.remove()`;

/** Draws the pointer at (x, y); false when the page would not take it (then no cursor is drawn). */
export async function showCursor(session: CdpSession, x: number, y: number): Promise<boolean> {
  try {
    const r = await session.send<{ result?: { value?: unknown } }>("Runtime.evaluate", {
      expression: showExpression(x, y),
      returnByValue: true,
    });
    return r.result?.value === true;
  } catch {
    return false;
  }
}

export async function hideCursor(session: CdpSession): Promise<void> {
  await session.send("Runtime.evaluate", { expression: HIDE }).catch(() => {});
}
