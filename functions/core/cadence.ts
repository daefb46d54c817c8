import type { OrganisationConfig, Priority } from './config';

export function updateIntervalSeconds(config: OrganisationConfig, priority: Priority): number {
  return config.cadence[priority];
}

export function nextUpdateAt(config: OrganisationConfig, priority: Priority, from: Date): Date {
  return new Date(from.getTime() + updateIntervalSeconds(config, priority) * 1000);
}

/** Step Functions timeouts are whole seconds and at least one. */
export function secondsUntil(due: Date, now: Date): number {
  return Math.max(1, Math.ceil((due.getTime() - now.getTime()) / 1000));
}
