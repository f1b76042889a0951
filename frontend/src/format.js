// Formatting attribute values for people: numbers in the UI locale, dates dd/mm/yyyy, Có/Không.
import { getLocale, t, tEnum } from './i18n.js';

// The region's clock (GET /api/region's `timezone`, the setting TIMEZONE), set by region.js once
// loaded; until then (or without a region) the browser's own.
let timeZone;

/** Show times in the IANA zone `zone` (the region's). */
export function setTimeZone(zone) {
  timeZone = zone || undefined;
}

/** The day (YYYY-MM-DD) a moment falls on in the region's clock, as the server counts days. */
export function regionDay(date) {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone, year: 'numeric', month: '2-digit', day: '2-digit',
  }).format(date);
}

export function formatNumber(value, maximumFractionDigits = 2) {
  return new Intl.NumberFormat(getLocale(), { maximumFractionDigits }).format(value);
}

/** ISO date `YYYY-MM-DD` (or a timestamp's date part) as dd/mm/yyyy, without time-zone shifts. */
export function formatDate(value) {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(String(value));
  return match ? `${match[3]}/${match[2]}/${match[1]}` : String(value);
}

/** ISO timestamp as dd/mm/yyyy HH:MM in the region's time. */
export function formatDateTime(value) {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', {
      timeZone, year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
    }).formatToParts(date).map((part) => [part.type, part.value]),
  );
  return `${parts.day}/${parts.month}/${parts.year} ${parts.hour}:${parts.minute}`;
}

/** A share 0–1 as a percentage in the UI locale ("93,4%"). */
export function formatShare(value, maximumFractionDigits = 1) {
  return new Intl.NumberFormat(getLocale(), { style: 'percent', maximumFractionDigits }).format(value);
}

/** A distance in metres: "850 m" below a kilometre, "2,3 km" above. */
export function formatDistance(metres) {
  return metres < 1000 ? `${formatNumber(metres, 0)} m` : `${formatNumber(metres / 1000, 1)} km`;
}

/** A duration in seconds: "42 s", "1 min 42 s" (units from the locale files). */
export function formatDuration(seconds) {
  if (seconds < 60) return `${formatNumber(seconds, 1)} ${t('unit.s')}`;
  const minutes = Math.floor(seconds / 60);
  return `${formatNumber(minutes, 0)} ${t('unit.min')} ${formatNumber(Math.round(seconds % 60), 0)} ${t('unit.s')}`;
}

// An indicator's unit as the API names it: "%" (0–100), "per_100" (per 100 people), "Mb/s".
const INDICATOR_UNITS = {
  '%': (value) => formatShare(value / 100),
  per_100: (value) => `${formatNumber(value, 1)} ${t('unit.per100')}`,
  'Mb/s': (value) => `${formatNumber(value, 1)} Mb/s`,
};

/** An indicator value (or target, or gap) with its unit; null reads as "no data". */
export function formatIndicator(value, unit) {
  if (value === null || value === undefined) return t('value.noData');
  return (INDICATOR_UNITS[unit] ?? ((v) => `${formatNumber(v, 2)} ${unit}`))(value);
}

const withUnit = (unit, digits) => (value) => `${formatNumber(value, digits)} ${unit}`;

// A field's `format` names one of these; each receives a non-null value.
const FORMATTERS = {
  text: (value) => String(value),
  int: (value) => formatNumber(value, 0),
  number: (value) => formatNumber(value),
  bool: (value) => t(value ? 'value.true' : 'value.false'),
  date: formatDate,
  datetime: formatDateTime,
  list: (value) => (Array.isArray(value) ? value : String(value).split(',')).map((s) => s.trim()).join(', '),
  m: withUnit('m', 1),
  km2: withUnit('km²', 2),
  deg: withUnit('°', 1),
  mhz: withUnit('MHz', 0),
  dbm: withUnit('dBm', 1),
  mbps: withUnit('Mbps', 1),
  ms: withUnit('ms', 0),
  share: (value) => formatShare(value),
  distance: formatDistance,
  vndMonth: (value) => `${formatNumber(value, 0)} ${t('unit.perMonth')}`,
};

/**
 * Format one attribute value for display.
 * `format` is a FORMATTERS name or `enum:<namespace>` (translated coded values).
 */
export function formatValue(value, format = 'text') {
  if (value === null || value === undefined || value === '') return t('value.none');
  if (format.startsWith('enum:')) return tEnum(format.slice(5), value);
  const formatter = FORMATTERS[format] ?? FORMATTERS.text;
  return formatter(value);
}
