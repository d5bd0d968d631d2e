import { parse as parseYaml } from 'yaml';
import { InputError } from '../errors';
import { type Condition, parseConditions } from './conditions';

/** One step of a rollout: the canary's share of traffic, then how it is judged there. */
export interface Step {
  /** Percent of traffic on the canary, 0 < weight ≤ 100. */
  weight: number;
  /** Wait after the weight is set, before the first measurement. */
  pauseMs: number;
  /** Measurements taken at this step, one every `intervalMs`. */
  count: number;
  intervalMs: number;
  success: Condition[];
  failure: Condition[];
  failureLimit: number;
  inconclusiveLimit: number;
}

/** What every step gets unless it says otherwise. */
export interface StepDefaults {
  intervalMs: number;
  count: number;
  success: Condition[];
  failure: Condition[];
  failureLimit: number;
  inconclusiveLimit: number;
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
// setTimeout's limit (2^31 - 1 ms, about 24.8 days).
const MAX_MS = 2 ** 31 - 1;

/** `500ms`, `30s`, `5m`, `1h30m`, or a number of seconds, as milliseconds; 0 only when `zero` allows. */
export function parseDuration(text: string | number, input: string, zero = false): number {
  const value = String(text).trim();
  let ms: number | undefined;
  if (/^\d+(\.\d+)?$/.test(value)) ms = Number(value) * 1000;
  else if (/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(value)) {
    ms = 0;
    for (const [, amount, unit] of value.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) {
      ms += Number(amount) * (UNITS[unit as string] as number);
    }
  }
  if (ms === undefined || !(ms > 0 || (zero && ms === 0)) || ms > MAX_MS) {
    throw new InputError(
      `${input}: ${JSON.stringify(text)} is not a duration (e.g. 500ms, 30s, 5m, 1h30m, or seconds${zero ? '' : '; more than 0'})`,
      input,
    );
  }
  return Math.round(ms);
}

function parseCount(value: unknown, input: string, min: number): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > 10_000) {
    throw new InputError(
      `${input}: ${JSON.stringify(value)} is not a whole number from ${min} to 10000`,
      input,
    );
  }
  return n;
}

export function parseLimit(value: unknown, input: string): number {
  return parseCount(value, input, 0);
}

export function parseMeasurementCount(value: unknown, input: string): number {
  return parseCount(value, input, 1);
}

const STEP_KEYS = [
  'weight',
  'pause',
  'count',
  'interval',
  'success',
  'failure',
  'failure-limit',
  'inconclusive-limit',
];

/**
 * `10,25,50,100`, or a YAML list whose items are weights or records with `weight` and any of
 * `pause`, `count`, `interval`, `success`, `failure`, `failure-limit`, `inconclusive-limit`.
 * Weights rise strictly; a last step below 100 is followed by 100. The step at 100 is not
 * measured (no stable traffic is left to compare with) unless it sets `count` or conditions.
 */
export function parseSteps(text: string, defaults: StepDefaults, input = 'steps'): Step[] {
  const trimmed = text.trim();
  if (trimmed === '') throw new InputError(`${input}: empty (expected e.g. 10,25,50,100)`, input);
  let items: unknown[];
  if (/^[\d.\s,%]+$/.test(trimmed)) items = trimmed.split(',').map((s) => s.trim());
  else {
    let parsed: unknown;
    try {
      parsed = parseYaml(trimmed);
    } catch (error) {
      throw new InputError(
        `${input}: not a list of weights nor YAML: ${(error as Error).message.split('\n')[0]}`,
        input,
      );
    }
    if (!Array.isArray(parsed)) {
      throw new InputError(
        `${input}: expected 10,25,50,100 or a YAML list of steps, found ${typeof parsed}`,
        input,
      );
    }
    items = parsed;
  }
  const steps = items.map((item, i) => parseStep(item, defaults, `${input}[${i + 1}]`));
  steps.forEach((step, i) => {
    const previous = steps[i - 1];
    if (previous && step.weight <= previous.weight) {
      throw new InputError(
        `${input}: weights must rise, but step ${i + 1} (${step.weight}) follows ${previous.weight}`,
        input,
      );
    }
  });
  if (steps.at(-1)?.weight !== 100) steps.push(parseStep(100, defaults, input));
  return steps;
}

function parseStep(item: unknown, defaults: StepDefaults, where: string): Step {
  const record: Record<string, unknown> =
    item !== null && typeof item === 'object' && !Array.isArray(item)
      ? (item as Record<string, unknown>)
      : { weight: item };
  const unknown = Object.keys(record).find((k) => !STEP_KEYS.includes(k));
  if (unknown) {
    throw new InputError(
      `${where}: unknown key "${unknown}" (a step may have ${STEP_KEYS.join(', ')})`,
      'steps',
    );
  }
  const text = String(record.weight ?? '')
    .trim()
    .replace(/%$/, '');
  const weight = text === '' ? Number.NaN : Number(text);
  if (!(weight > 0 && weight <= 100)) {
    throw new InputError(
      `${where}: weight ${JSON.stringify(record.weight ?? null)} is not a percentage above 0 and at most 100`,
      'steps',
    );
  }
  const conditions = (key: 'success' | 'failure') =>
    record[key] === undefined ? undefined : parseConditions(String(record[key]), `${where}.${key}`);
  const success = conditions('success');
  const failure = conditions('failure');
  const measuredByDefault = weight < 100 || success !== undefined || failure !== undefined;
  return {
    weight,
    pauseMs: record.pause === undefined ? 0 : parseDuration(record.pause as string, `${where}.pause`, true),
    count:
      record.count !== undefined
        ? parseLimit(record.count, `${where}.count`)
        : measuredByDefault
          ? defaults.count
          : 0,
    intervalMs:
      record.interval === undefined
        ? defaults.intervalMs
        : parseDuration(record.interval as string, `${where}.interval`),
    success: success ?? defaults.success,
    failure: failure ?? defaults.failure,
    failureLimit:
      record['failure-limit'] === undefined
        ? defaults.failureLimit
        : parseLimit(record['failure-limit'], `${where}.failure-limit`),
    inconclusiveLimit:
      record['inconclusive-limit'] === undefined
        ? defaults.inconclusiveLimit
        : parseLimit(record['inconclusive-limit'], `${where}.inconclusive-limit`),
  };
}
