import { InputError } from '../errors';
import { type DataRequest, parseDataLines } from './data';
import { checkInside } from './outputs';
import { type Params, readParams } from './params';
import { checkRunName } from './record';
import type { TrainInput } from './spec';

/** The `train` inputs, checked and parsed before anything runs or is written. */
export interface TrainRequest {
  command: string;
  name: string;
  data: DataRequest[];
  params: Params;
  outputs: string[];
  metrics: string;
  deps: string[];
  cache: boolean;
  timeoutMs: number | undefined;
  message: string;
  store: string;
}

export async function readRequest(
  workspace: string,
  inputs: Record<TrainInput, string>,
): Promise<TrainRequest> {
  const name = checkRunName(inputs.name || 'default');
  const outputs = lines(inputs.outputs);
  checkInside(workspace, outputs, 'outputs');
  const deps = lines(inputs.deps);
  checkInside(workspace, deps, 'deps');
  if (inputs.metrics) checkInside(workspace, [inputs.metrics], 'metrics');
  return {
    command: inputs.command,
    name,
    data: await parseDataLines(workspace, inputs.data),
    params: await readParams(workspace, inputs.params),
    outputs,
    metrics: inputs.metrics,
    deps,
    cache: inputs.cache !== 'false',
    timeoutMs: inputs.timeout ? parseDuration(inputs.timeout, 'timeout') : undefined,
    message: inputs.message,
    store: inputs.store,
  };
}

/** Non-empty lines, trimmed; `#` starts a comment line. */
export function lines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
// setTimeout's limit (2^31 - 1 ms, about 24.8 days).
const MAX_MS = 2 ** 31 - 1;

/** `90s`, `30m`, `1h30m`, `2h`, or a number of seconds, as milliseconds. */
export function parseDuration(text: string, input: string): number {
  const value = text.trim();
  let ms: number | undefined;
  if (/^\d+(\.\d+)?$/.test(value)) ms = Number(value) * 1000;
  else if (/^(\d+(\.\d+)?(ms|s|m|h|d))+$/.test(value)) {
    ms = 0;
    for (const [, amount, unit] of value.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) {
      ms += Number(amount) * (UNITS[unit as string] as number);
    }
  }
  if (ms === undefined || !(ms > 0) || ms > MAX_MS) {
    throw new InputError(
      `${input}: "${text}" is not a duration (e.g. 90s, 30m, 1h30m, or seconds; more than 0, at most 24 days)`,
      input,
    );
  }
  return Math.round(ms);
}
