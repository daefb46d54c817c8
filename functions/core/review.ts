import { DateTime } from 'luxon';
import { isCalendarDay, type OrganisationConfig } from './config';
import type { ActionItem, Incident, MimEvent } from './incident';
import { incidentKpis } from './kpis';
import { formatTime } from './messages';
import { humanDuration, outOf } from './report-text';
import { singleLine } from './text';
import type { TimelineEntry } from './timeline';

/** A review lists at most this many action items: more is a project plan, not a review's follow-up. */
export const MAX_ACTION_ITEMS = 20;
/** Action items are followed up by the incident's workflow, which Step Functions runs for up to a year. */
export const MAX_DUE_DAYS = 180;
const ACTION_ITEM = /^([^,|]+?)\s*[,|]\s*(\d{4}-\d{2}-\d{2})\s*[,|]\s*(.+)$/;

/** The day it is in the organisation's zone, as 2026-12-01. */
export function today(config: OrganisationConfig, now: Date): string {
  return DateTime.fromJSDate(now, { zone: config.timeZone }).toISODate()!;
}

/**
 * A review's action items, written one a line as "owner, due day, what is to be done" (a form's
 * textarea, the CLI) or given as a list (the API): each owner a person of the config, each due day a
 * real day from today on.
 */
export function parseActionItems(
  config: OrganisationConfig,
  given: string | unknown[],
  now: Date,
): { items: ActionItem[] } | { error: string } {
  const lines =
    typeof given === 'string'
      ? given
          .split('\n')
          .map((l) => l.trim())
          .filter(Boolean)
      : given;
  if (lines.length > MAX_ACTION_ITEMS) return { error: `actionItems: at most ${MAX_ACTION_ITEMS}; ${lines.length} were given` };
  const items: ActionItem[] = [];
  const from = today(config, now);
  for (const [i, line] of lines.entries()) {
    const n = `action item ${i + 1}`;
    let item: ActionItem;
    if (typeof line === 'string') {
      const match = ACTION_ITEM.exec(line);
      if (!match)
        return {
          error: `${n}: write it as "owner, due day, what is to be done", such as "dave, 2026-12-15, add a canary stage"`,
        };
      item = { owner: match[1]!.trim(), due: match[2]!, title: singleLine(match[3]!) };
    } else {
      const { owner, due, title } = (line ?? {}) as Record<string, unknown>;
      if (typeof owner !== 'string' || typeof due !== 'string' || typeof title !== 'string') {
        return {
          error: `${n}: give owner, due and title, such as {"owner": "dave", "due": "2026-12-15", "title": "add a canary stage"}`,
        };
      }
      item = { owner: owner.trim(), due: due.trim(), title: singleLine(title) };
    }
    if (!config.people[item.owner]) {
      return {
        error: `${n}: "${item.owner}" is not a person in the config; use a person id such as ${Object.keys(config.people).slice(0, 3).join(', ')}`,
      };
    }
    if (!isCalendarDay(item.due)) {
      return { error: `${n}: "${item.due}" is not a day; write one as 2026-12-15` };
    }
    if (item.due < from) return { error: `${n}: due ${item.due} is before today (${from})` };
    const latest = DateTime.fromISO(from, { zone: config.timeZone }).plus({ days: MAX_DUE_DAYS }).toISODate()!;
    if (item.due > latest) {
      return {
        error: `${n}: due ${item.due} is more than ${MAX_DUE_DAYS} days ahead (after ${latest}); split it into steps due sooner`,
      };
    }
    if (item.title.length === 0 || item.title.length > 500)
      return { error: `${n}: say what is to be done, in at most 500 characters` };
    items.push(item);
  }
  return { items };
}

/** An action item as people read it: "Add a canary stage (Dave Dixon, by 2026-12-15)". */
export function describeActionItem(config: OrganisationConfig, item: ActionItem): string {
  return `${item.title} (${config.people[item.owner]?.name ?? item.owner}, by ${item.due})`;
}

/**
 * The review's first draft: what the MIM would otherwise gather by hand. The figures of how it went,
 * the alarms, every update as it was posted, who was told what and when, and the whole timeline.
 */
export function reviewDraft(
  config: OrganisationConfig,
  incident: Incident,
  timeline: TimelineEntry[],
  updates: MimEvent[],
  zone: string,
): { fields: Array<[string, string]>; sections: Array<{ title: string; items: string[] }> } {
  const k = incidentKpis(config, incident, timeline);
  const kept = k.promises.filter((p) => p.outcome === 'on-time').length;
  const time = (at: string) => formatTime(at, zone);
  const alarms = timeline.filter((e) => ['alarm-received', 'alarm-grouped', 'alarm-cleared', 'monitoring-gap'].includes(e.kind));
  const told = timeline.flatMap((e) => {
    const detail = e.detail as { told?: Record<string, string[]>; round?: string } | undefined;
    if (!detail?.told) return [];
    const who = Object.entries(detail.told)
      .map(([channel, names]) => `${channel}: ${names.join(', ')}`)
      .join('; ');
    return [`${time(e.at)} ${detail.round ?? e.kind}: ${who}`];
  });
  return {
    fields: [
      ['Started', time(k.startedAt)],
      ['Time to acknowledge', humanDuration(k.timeToAcknowledgeSeconds)],
      ['Time to first notice', humanDuration(k.timeToFirstNoticeSeconds)],
      ['Time to resolve', humanDuration(k.timeToResolveSeconds)],
      ['Updates on time', outOf(kept, k.promises.length)],
      [
        'Pages',
        `${k.pages.length}${k.pages.some((p) => p.atNight) ? ` (${k.pages.filter((p) => p.atNight).length} at night)` : ''}, ${k.levelsReached} escalation level(s)`,
      ],
      ['Messages not delivered', String(k.failedMessages)],
    ],
    sections: [
      {
        title: 'Alarms',
        items: [
          ...(incident.alarm ? [`${time(incident.alarm.at)} ${incident.alarm.alarmName}: ${incident.alarm.reason}`] : []),
          ...alarms.map((e) => `${time(e.at)} ${e.summary}`),
        ],
      },
      {
        title: 'Updates as posted',
        items: updates.flatMap((u) =>
          u.update
            ? [
                `${time(u.at)} ${config.people[u.by]?.name ?? u.by}: impact: ${u.update.impact}; status: ${u.update.status}; actions: ${u.update.actions}`,
              ]
            : [],
        ),
      },
      { title: 'Who was told what, and when', items: told },
    ].filter((s) => s.items.length > 0),
  };
}
