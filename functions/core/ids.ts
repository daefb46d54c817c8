import { createHash, randomBytes } from 'node:crypto';

/**
 * One alarm storm, one incident: the id is derived from what groups the alarms (the dedup key) and
 * the start of the grouping window, so every intake of that storm computes the same id, and the
 * workflow execution named after it can only start once.
 */
export function incidentIdFor(dedupKey: string, windowStart: Date): string {
  const day = windowStart.toISOString().slice(0, 10).replaceAll('-', '');
  const digest = createHash('sha256').update(`${dedupKey}\n${windowStart.toISOString()}`).digest('hex');
  return `INC-${day}-${digest.slice(0, 6).toUpperCase()}`;
}

export const INCIDENT_ID_PATTERN = /^INC-\d{8}-[0-9A-F]{6}$/;

/** 160 random bits, URL-safe: unguessable, so a link id is a capability. */
export function newLinkId(): string {
  return randomBytes(20).toString('base64url');
}

export function hashLinkId(linkId: string): string {
  return keyHash(linkId);
}

/** A fixed-length stand-in for text that becomes part of a key, however long the text. */
export function keyHash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function newEventId(): string {
  return randomBytes(8).toString('hex');
}
