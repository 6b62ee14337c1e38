/**
 * kvmd's absolute mouse coordinates run from -32768 (left/top) to 32767 (right/bottom): (0,0) is the centre
 * of the screen, not its corner. These helpers convert from and to pixels the way the web UI does
 * (kvmd `tools.remap`: linear over 0..size-1, rounded, clamped).
 */
export const KVMD_MIN = -32768;
export const KVMD_MAX = 32767;

export interface ScreenSize {
  width: number;
  height: number;
}

function remap(v: number, inMin: number, inMax: number, outMin: number, outMax: number): number {
  if (inMax === inMin) return Math.round((outMin + outMax) / 2);
  const r = Math.round(((v - inMin) * (outMax - outMin)) / (inMax - inMin) + outMin);
  return Math.min(Math.max(r, Math.min(outMin, outMax)), Math.max(outMin, outMax));
}

/** Pixel position on a `width`x`height` screen to kvmd coordinates. */
export function pixelToKvmd(x: number, y: number, screen: ScreenSize): { x: number; y: number } {
  return {
    x: remap(x, 0, screen.width - 1, KVMD_MIN, KVMD_MAX),
    y: remap(y, 0, screen.height - 1, KVMD_MIN, KVMD_MAX),
  };
}

/** kvmd coordinates back to the nearest pixel. */
export function kvmdToPixel(x: number, y: number, screen: ScreenSize): { x: number; y: number } {
  return {
    x: remap(x, KVMD_MIN, KVMD_MAX, 0, screen.width - 1),
    y: remap(y, KVMD_MIN, KVMD_MAX, 0, screen.height - 1),
  };
}
