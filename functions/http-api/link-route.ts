import { hashLinkId } from '../core/ids';
import { type Incident, type MimEvent, linkRefusal, refusalFor } from '../core/incident';
import { formatTime } from '../core/messages';
import { ACTION_LABELS, confirmPage, messagePage } from '../core/pages';
import { ActionRefused, type Submitted, submitAction } from '../services/actions';
import type { App } from '../services/app';
import { details } from './action-fields';
import { describeActionItem } from '../core/review';
import { crossSite, html, type HttpRequest, type HttpResponse } from './http';

function nameOf(app: App, personId: string): string {
  return app.config.people[personId]?.name ?? personId;
}

/** Takes a link's claimed action: stores it (once, by its link's id) and burns the link. */
async function actOnLink(app: App, hash: string, event: MimEvent, incident?: Incident): Promise<Submitted | { refused: string }> {
  const { id, at, ...action } = event;
  let submitted: Submitted | { refused: string };
  try {
    submitted = await submitAction(app, action, { now: new Date(at), id, ...(incident ? { incident } : {}) });
  } catch (error) {
    if (!(error instanceof ActionRefused)) throw error;
    submitted = { refused: error.message };
  }
  await app.store.useLink(hash, event.by, at);
  return submitted;
}

/** An action item's link says which item it marks done. */
function itemOf(app: App, incident: Incident, link: { action: string; step?: number }): { detail?: string } {
  const item = link.action === 'complete-action' && link.step ? incident.review?.actionItems?.[link.step - 1] : undefined;
  return item ? { detail: `Action item ${link.step}: ${describeActionItem(app.config, item)}` } : {};
}

/** An action item already marked done (by another link, the CLI or the API): by whom and when. */
async function itemDone(app: App, incidentId: string, n: number | undefined, zone: string): Promise<string | undefined> {
  const item = (await app.store.actionItems(incidentId)).find((i) => i.n === n);
  if (!item?.doneAt) return undefined;
  return `Action item ${n} of ${incidentId} was marked done by ${nameOf(app, item.doneBy ?? '')} at ${formatTime(item.doneAt, zone)}`;
}

export async function linkRoute(app: App, req: HttpRequest, linkId: string, now: Date): Promise<HttpResponse> {
  const notFound = () =>
    html(
      404,
      messagePage(
        'This link is not valid',
        'The link was not recognised: it may be mistyped or incomplete. Use the link in the latest message, or ask the Major Incident desk.',
      ),
      req.method,
    );
  if (!/^[A-Za-z0-9_-]{20,64}$/.test(linkId)) return notFound();
  const hash = hashLinkId(linkId);
  const link = await app.store.getLink(hash);
  if (!link) return notFound();
  const incident = await app.store.getIncident(link.incidentId);
  if (!incident) return notFound();
  const zone = app.config.people[link.recipient]?.timeZone ?? app.config.timeZone;
  const recipientName = nameOf(app, link.recipient);
  const about = {
    link: { incidentId: incident.id, action: link.action, sentTo: recipientName, sentAt: formatTime(link.createdAt, zone) },
  };
  const used = (usedBy: string, usedAt: string) =>
    html(
      409,
      messagePage(
        'This link was already used',
        `${nameOf(app, usedBy)} used it to ${link.action} ${incident.id} at ${formatTime(usedAt, zone)}. Each link acts once.`,
        about,
      ),
      req.method,
    );
  if (link.usedAt) return used(link.usedBy ?? link.recipient, link.usedAt);
  // Claimed by a POST that stopped half way: shown as used; the next POST finishes it.
  if (link.pending && req.method !== 'POST') return used(link.pending.by, link.pending.at);
  if (link.expiresAt <= now.toISOString()) {
    return html(
      410,
      messagePage(
        'This link has expired',
        `It expired at ${formatTime(link.expiresAt, zone)}. Use the link in the latest message about ${incident.id}.`,
        about,
      ),
      req.method,
    );
  }
  const refusal = linkRefusal(incident, { action: link.action, by: link.recipient, step: link.step });
  if (refusal) return html(410, messagePage('This link no longer applies', `${refusal}.`, about), req.method);
  const doneAlready = link.action === 'complete-action' && (await itemDone(app, incident.id, link.step, zone));
  if (doneAlready) return html(410, messagePage('This link no longer applies', `${doneAlready}.`, about), req.method);

  if (req.method === 'GET' || req.method === 'HEAD') {
    return html(200, confirmPage({ incident, action: link.action, recipientName, ...itemOf(app, incident, link) }), req.method);
  }
  if (crossSite(req)) {
    return html(
      403,
      messagePage(
        'Refused',
        'The form was submitted from another site. Open the link from your email and use the button on its page.',
      ),
    );
  }
  const form = Object.fromEntries(new URLSearchParams(req.body));
  if (form.confirm !== link.action) {
    return html(
      400,
      confirmPage({
        incident,
        action: link.action,
        recipientName,
        values: form,
        error: 'Use the button on this page to confirm.',
      }),
    );
  }
  const parsed = details(app, link.action, form);
  // What the form asks is checked before the link is claimed: a mistake (the priority it has, a
  // hand-over to oneself) is shown on the form again, and the link stays usable.
  const asked = parsed.ok && refusalFor(incident, { action: link.action, by: link.recipient, step: link.step, ...parsed.value });
  if (!parsed.ok || asked) {
    const error = parsed.ok ? `${asked}.` : parsed.error;
    return html(400, confirmPage({ incident, action: link.action, recipientName, values: form, error }));
  }
  // Intent first: the link is claimed with the action it takes (one POST wins), then the event is
  // stored (keyed by the link, so once), then the link is burned. A POST stopped anywhere on the way
  // is finished by the next one; no link is left used without its action.
  const event: MimEvent = {
    id: `link-${hash.slice(0, 32)}`,
    at: now.toISOString(),
    incidentId: incident.id,
    action: link.action,
    by: link.recipient,
    via: 'link',
    ...parsed.value,
    // What the link was issued for (its round, its action item) is the link's, whatever the form says.
    ...(link.step === undefined ? {} : { step: link.step }),
  };
  if (!(await app.store.claimLink(hash, event))) {
    const latest = await app.store.getLink(hash);
    // An earlier POST stopped half way: finish it, unless its event is already stored (then only burn).
    const pending = latest?.pending && !latest.usedAt ? latest.pending : undefined;
    if (pending && (await app.store.findEvent(pending.incidentId, pending.id)))
      await app.store.useLink(hash, pending.by, pending.at);
    else if (pending) await actOnLink(app, hash, pending);
    const first = latest?.pending ?? { by: latest?.usedBy ?? link.recipient, at: latest?.usedAt ?? now.toISOString() };
    return used(first.by, first.at);
  }
  const submitted = await actOnLink(app, hash, event, incident);
  if ('refused' in submitted) return html(409, messagePage('This action no longer applies', submitted.refused, about));
  if (link.action === 'complete-action') {
    return html(
      200,
      messagePage(
        'Marked done',
        `Action item ${link.step} of ${incident.id} is marked done, as ${recipientName}. Its reminders stop.`,
        {
          incident,
        },
      ),
    );
  }
  if (link.action === 'feedback') {
    const judged = event.feedback!.rightCall ? 'the right call' : 'it should not have been a major incident';
    return html(
      200,
      messagePage(
        'Thank you',
        `Recorded for ${incident.id} as ${recipientName}: ${judged}. It counts in the report of how major incidents went, where it helps tune the criteria.`,
        { incident },
      ),
    );
  }
  return html(
    200,
    messagePage(
      'Done',
      `${ACTION_LABELS[link.action].button}: recorded for ${incident.id} as ${recipientName} at ${formatTime(now.toISOString(), zone)}. ${
        submitted.stopped
          ? "The incident's workflow is stopped, so nothing follows yet: your action is kept, and taken as soon as operations restart it."
          : 'The workflow continues.'
      }`,
      { incident },
    ),
  );
}
