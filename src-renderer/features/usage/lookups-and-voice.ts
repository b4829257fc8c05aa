// What web lookups and voice notes add to the usage rows the agent writes: searches are counted on Claude's rows
// (their fee is in those rows' cost), transcription on the speech model's row (seconds of audio and their cost).

import { WEB_SEARCH_USD } from '../../../agent-core/agent/pricing.ts';
import type { UsageRow } from '../../../agent-core/contract/tables.ts';

export interface LookupsAndVoice {
  searches: number;
  searchUsd: number;
  audioSeconds: number;
  audioUsd: number;
}

/** Totals of the rows whose day starts with `period` ("2026-12-05" for a day, "2026-12" for a month). */
export function lookupsAndVoice(rows: UsageRow[], period: string): LookupsAndVoice {
  const of = rows.filter((row) => row.day.startsWith(period));
  const searches = of.reduce((n, row) => n + (row.web_search_requests ?? 0), 0);
  const voice = of.filter((row) => (row.audio_seconds ?? 0) > 0);
  return {
    searches,
    searchUsd: searches * WEB_SEARCH_USD,
    audioSeconds: voice.reduce((n, row) => n + (row.audio_seconds ?? 0), 0),
    audioUsd: voice.reduce((n, row) => n + row.cost_usd, 0),
  };
}

/** Minutes of audio as people say them: "0 min", "45 s", "1.5 min", "42 min". */
export function audioMinutes(seconds: number): string {
  if (seconds <= 0) return '0 min';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const minutes = seconds / 60;
  return `${minutes < 10 ? Math.round(minutes * 10) / 10 : Math.round(minutes)} min`;
}
