const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string);

/**
 * The page `GET /` serves without an Upgrade header. Upstream ships its prebuilt browser client there; this
 * package has no bundled viewer, so the page says where the socket is and links the hosted client to it.
 */
export function indexPage(wsUrl: string, domain: string): string {
  const viewer = `${domain}?ws=${encodeURIComponent(wsUrl)}`;
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Vuer</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem}code{background:#eee;padding:0 .25rem}</style>
</head>
<body>
<h1>Vuer server</h1>
<p>WebSocket endpoint: <code id="ws">${escapeHtml(wsUrl)}</code></p>
<p>Open the scene in a viewer: <a href="${escapeHtml(viewer)}">${escapeHtml(viewer)}</a></p>
<p>Frames are binary msgpack maps; see the package's PROTOCOL.md.</p>
</body>
</html>
`;
}
