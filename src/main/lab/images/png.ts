import sharp from 'sharp';

/** Encodes uint8 HWC pixels (1 or 3 channels) as a PNG, optionally scaled up with nearest-neighbour. */
export async function encodePng(
  pixels: Uint8Array,
  shape: readonly [number, number, number],
  scale = 1,
): Promise<Buffer> {
  const [height, width, channels] = shape;
  if (channels !== 1 && channels !== 3) throw new Error(`cannot encode an image with ${channels} channels as PNG`);
  let image = sharp(pixels, { raw: { width, height, channels } });
  if (scale !== 1) image = image.resize(width * scale, height * scale, { kernel: 'nearest' });
  return image.png({ compressionLevel: 6 }).toBuffer();
}
