// Every VN-2000 projection EPSG defines, in gis/crs.py's order (VN2000_PROJECTED): the provinces'
// TM-3 zones west to east by central meridian, then UTM 48N/49N. No zone is the default: a
// deployment's own is its region's data.
const TM3 = [
  [5896, '102°00′'], [9205, '103°00′'], [9206, '104°00′'], [9207, '104°30′'], [9208, '104°45′'],
  [5897, '105°00′'], [9209, '105°30′'], [9210, '105°45′'], [9211, '106°00′'], [9212, '106°15′'],
  [9213, '106°30′'], [9214, '107°00′'], [9215, '107°15′'], [9216, '107°30′'], [5899, '107°45′'],
  [5898, '108°00′'], [9217, '108°15′'], [9218, '108°30′'],
];
const UTM = [[3405, '48N'], [3406, '49N']];

export const VN2000_CRSS = [...TM3, ...UTM].map(([code]) => `EPSG:${code}`);

/** A VN-2000 projection's label: `t(`${prefix}.tm3`)` or `.utm`, filled with {meridian|zone, code}. */
export function vn2000Label(t, prefix, crs) {
  const code = Number(crs.replace('EPSG:', ''));
  const tm3 = TM3.find(([c]) => c === code);
  if (tm3) return t(`${prefix}.tm3`, { meridian: tm3[1], code: crs });
  const utm = UTM.find(([c]) => c === code);
  return utm ? t(`${prefix}.utm`, { zone: utm[1], code: crs }) : crs;
}
