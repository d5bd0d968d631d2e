import { closeSync, openSync, writeSync } from 'node:fs';

/** A seeded binary predictions CSV: `y_true,y_pred,y_score`; `skill` sets how good the model is. */
export function generateBinaryPredictions(path, rows, seed, skill) {
  let state = seed >>> 0 || 1;
  const random = () => {
    // xorshift32: fast, seeded, the same file on every machine.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
  const fd = openSync(path, 'w');
  let chunk = 'y_true,y_pred,y_score\n';
  for (let i = 0; i < rows; i++) {
    const truth = random() < 0.4 ? 1 : 0;
    const noise = random();
    const score = Math.min(
      1,
      Math.max(0, truth ? skill * 0.6 + noise * 0.6 - 0.1 : (1 - skill) * 0.6 + noise * 0.5),
    );
    chunk += `${truth},${score >= 0.5 ? 1 : 0},${score.toFixed(6)}\n`;
    if (chunk.length > 1 << 20) {
      writeSync(fd, chunk);
      chunk = '';
    }
  }
  writeSync(fd, chunk);
  closeSync(fd);
}
