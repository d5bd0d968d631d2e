// Reading the weather table and splitting it the same way in training, evaluation and serving.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Papa from 'papaparse';

/** The model's inputs, in the order the forest sees them. */
export const FEATURES = ['precipitation', 'temp_max', 'temp_min', 'wind'];
/** Every class the weather column takes in the Seattle data; predictions carry a probability for each. */
export const CLASSES = ['drizzle', 'fog', 'rain', 'snow', 'sun'];

/**
 * Rows of one CSV file, or of every CSV file in a directory (a data version's directory), sorted
 * by date. Bad rows are errors naming the file and line: training on half a file is worse than failing.
 */
export function readWeather(path) {
  const files = path.endsWith('.csv') ? [path] : csvFilesIn(path);
  if (files.length === 0) throw new Error(`${path}: no .csv file`);
  const rows = files.flatMap((file) => parseFile(file));
  return rows.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
}

function csvFilesIn(dir) {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.csv'))
    .sort()
    .map((name) => join(dir, name));
}

function parseFile(file) {
  const parsed = Papa.parse(readFileSync(file, 'utf8'), { header: true, skipEmptyLines: true });
  if (parsed.errors.length > 0) {
    const first = parsed.errors[0];
    throw new Error(`${file} line ${first.row + 2}: ${first.message}`);
  }
  return parsed.data.map((row, i) => {
    const features = FEATURES.map((name) => {
      const value = Number(row[name]);
      if (row[name] === undefined || row[name] === '' || !Number.isFinite(value)) {
        throw new Error(`${file} line ${i + 2}: ${name} is ${JSON.stringify(row[name])}, expected a number`);
      }
      return value;
    });
    return { date: row.date, features, weather: row.weather };
  });
}

/**
 * Train on the past, test on the future: the last `testFraction` of the days (by date) are the
 * test set. A model trained on one version and a model trained on another are compared on the
 * same test rows (keyed by date), which is what the significance test pairs them by.
 */
export function splitByDate(rows, testFraction) {
  const cut = Math.round(rows.length * (1 - testFraction));
  return { train: rows.slice(0, cut), test: rows.slice(cut) };
}

/** The predictions file validate-metrics reads: id, y_true, y_pred and one proba_<class> per class. */
export function predictionsCsv(rows, predictions) {
  const header = ['id', 'y_true', 'y_pred', ...CLASSES.map((c) => `proba_${c}`)];
  const lines = rows.map((row, i) => {
    const { label, proba } = predictions[i];
    return [row.date, row.weather, label, ...CLASSES.map((c) => proba[c].toFixed(6))].join(',');
  });
  return `${[header.join(','), ...lines].join('\n')}\n`;
}
