// The deployment's region (GET /api/region): its name fills `{region}` in every title, its extent
// gives the map's first view and the "whole region" entry of the district list, its clock the
// zone times are shown in, a point inside it the search box's example position. Nothing here
// names a province: the server says which units are in force.
import { getJSON, withQuery } from './api.js';
import { setTimeZone } from './format.js';
import { refresh, setContext } from './i18n.js';

/**
 * The region in force on `date` (default today) as the API answers it, or null when the server
 * has none (no unit loaded yet) or cannot be reached: titles then say it generically.
 */
export async function loadRegion({ date } = {}) {
  try {
    const region = await getJSON(withQuery('/api/region', { date }));
    setTimeZone(region.timezone);
    setContext('region', { vi: region.display_vi, en: region.display_en });
    const [lon, lat] = region.centre;
    setContext('position', { vi: `${lat.toFixed(2)}, ${lon.toFixed(2)}` });
    refresh();
    return region;
  } catch {
    return null;
  }
}
