/**
 * The map's dots: one small canvas per colour and radius, drawn once and stamped per point with
 * drawImage (as fast as fillRect, and round). A plain cache, not state: nothing renders from it.
 */
export interface Dot {
  canvas: HTMLCanvasElement;
  /** Half the stamp's side in CSS pixels (the dot's radius plus a pixel of margin). */
  half: number;
}

const sprites = new Map<string, Dot>();

export function dotSprite(colour: string, radius: number, ratio: number): Dot {
  const key = `${colour} ${radius.toFixed(2)} ${ratio}`;
  const kept = sprites.get(key);
  if (kept) return kept;
  if (sprites.size > 200) sprites.clear();
  const canvas = document.createElement('canvas');
  const side = Math.ceil(2 * radius * ratio) + 2;
  canvas.width = side;
  canvas.height = side;
  const g = canvas.getContext('2d');
  if (g) {
    g.fillStyle = colour;
    g.beginPath();
    g.arc(side / 2, side / 2, radius * ratio, 0, 2 * Math.PI);
    g.fill();
  }
  const dot = { canvas, half: side / (2 * ratio) };
  sprites.set(key, dot);
  return dot;
}
