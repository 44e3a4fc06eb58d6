// Binary PGM (P5) grids from the API, decoded here and drawn on a canvas: the
// browser shows no PGM by itself, and the digits are never turned into PNGs.

/** {width, height, maxval, pixels} from the bytes of a P5 file. */
export function decodePGM(bytes) {
  let at = 0;
  const isSpace = (b) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d || b === 0x0b || b === 0x0c;
  function token() {
    for (;;) {
      while (at < bytes.length && isSpace(bytes[at])) at++;
      if (bytes[at] !== 0x23) break; // '#' starts a comment up to the end of the line
      while (at < bytes.length && bytes[at] !== 0x0a) at++;
    }
    const start = at;
    while (at < bytes.length && !isSpace(bytes[at])) at++;
    return String.fromCharCode(...bytes.subarray(start, at));
  }
  if (token() !== 'P5') throw new Error('not a binary PGM (P5) image');
  const width = Number(token()), height = Number(token()), maxval = Number(token());
  if (!(width > 0 && height > 0 && maxval > 0 && maxval < 256)) throw new Error('unsupported PGM header');
  at += 1; // the single whitespace byte after maxval
  const pixels = bytes.subarray(at, at + width * height);
  if (pixels.length !== width * height) throw new Error('PGM data is shorter than its header says');
  return { width, height, maxval, pixels };
}

/** Draws `image` on `canvas` scaled by a whole `scale`, nearest neighbour (no blur between pixels). */
export function drawPGM(canvas, image, scale) {
  const { width, height, maxval, pixels } = image;
  const source = document.createElement('canvas');
  source.width = width;
  source.height = height;
  const sourceContext = source.getContext('2d');
  const data = sourceContext.createImageData(width, height);
  for (let i = 0; i < pixels.length; i++) {
    const grey = Math.round((pixels[i] * 255) / maxval);
    data.data[4 * i] = grey;
    data.data[4 * i + 1] = grey;
    data.data[4 * i + 2] = grey;
    data.data[4 * i + 3] = 255;
  }
  sourceContext.putImageData(data, 0, 0);
  canvas.width = width * scale;
  canvas.height = height * scale;
  const context = canvas.getContext('2d');
  context.imageSmoothingEnabled = false;
  context.drawImage(source, 0, 0, width * scale, height * scale);
}
