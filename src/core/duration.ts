// Durations as governance writes them: "90s", "15m", "4h", "30d", "2w", or combined ("1d12h").
// Months and years are refused on purpose: their length depends on the calendar, and a lifetime policy
// must mean the same number of seconds on every date.

const unitMs = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
type Unit = keyof typeof unitMs;

const durationPattern = /^(?:\d+[smhdw])+$/;

export type DurationParse = { ok: true; ms: number } | { ok: false; message: string };

export const parseDuration = (text: string): DurationParse => {
  const trimmed = text.trim();
  if (!durationPattern.test(trimmed)) {
    return { ok: false, message: `"${text.slice(0, 40)}" is not a duration; write a number and a unit (s, m, h, d, w), for example 30d or 4h` };
  }
  let ms = 0;
  for (const [, amount, unit] of trimmed.matchAll(/(\d+)([smhdw])/g)) {
    ms += Number(amount) * unitMs[unit as Unit];
  }
  if (ms <= 0 || !Number.isSafeInteger(ms)) return { ok: false, message: `"${text.slice(0, 40)}" is out of range` };
  return { ok: true, ms };
};

/** A duration governance already validated (a policy's renewBefore, say) in milliseconds; null when unset or unreadable. */
export const durationMsOf = (text: string | undefined): number | null => {
  if (text === undefined) return null;
  const parsed = parseDuration(text);
  return parsed.ok ? parsed.ms : null;
};

/** Formats milliseconds back to the shortest exact duration text ("30d", "1d12h"). */
export const formatDuration = (ms: number): string => {
  if (ms <= 0) return '0s';
  if (ms % unitMs.w === 0) return `${ms / unitMs.w}w`;
  let rest = ms;
  let text = '';
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    const size = unitMs[unit];
    const amount = Math.floor(rest / size);
    if (amount > 0) {
      text += `${amount}${unit}`;
      rest -= amount * size;
    }
  }
  return text === '' ? '0s' : text;
};
