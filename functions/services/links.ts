import { hashLinkId, newLinkId } from '../core/ids';
import type { MimAction } from '../core/incident';
import type { IncidentStore } from '../adapters/store';

export class LinkIssuer {
  constructor(
    private readonly store: IncidentStore,
    private readonly publicUrl: string | undefined,
    private readonly ttlSeconds: number,
  ) {}

  /** A single-use link that lets `recipient` take `action`; only the id's hash is stored. */
  /** A link for one action by one person; `until` when it must outlive the usual time (an action item's, past its due day). */
  async issue(incidentId: string, action: MimAction, recipient: string, now: Date, step?: number, until?: Date): Promise<string> {
    if (!this.publicUrl) {
      throw new Error('PUBLIC_URL is not set, so this function cannot mint action links; give it the HTTP API base URL');
    }
    const id = newLinkId();
    await this.store.putLink({
      hash: hashLinkId(id),
      incidentId,
      action,
      recipient,
      createdAt: now.toISOString(),
      expiresAt: (until ?? new Date(now.getTime() + this.ttlSeconds * 1000)).toISOString(),
      ...(step === undefined ? {} : { step }),
    });
    return `${this.publicUrl}/a/${id}`;
  }
}
