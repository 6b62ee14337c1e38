/** What the server mounted where (GET /api/playground). */
export interface PlaygroundInfo {
  wsh?: { base: string };
  pikvm?: { base: string; user: string; passwd: string };
  vuer?: { path: string };
  cardsharp?: { path: string };
  "chrome-bridge"?: { base: string; chromium: boolean; chromiumPath: string; error?: string };
}

export async function loadInfo(): Promise<PlaygroundInfo> {
  const res = await fetch("/api/playground");
  return (await res.json()) as PlaygroundInfo;
}

export const wsOrigin = () => location.origin.replace(/^http/, "ws");
