import { hashLinkId, newLinkId } from '../core/ids';
import type { MimAction } from '../core/incident';
import type { IncidentStore } from '../adapters/store';

export class LinkIssuer {
  constructor(
    private readonly store: IncidentStore,
    private readonly publicUrl: string,
    private readonly ttlSeconds: number,
  ) {}

  /** A single-use link that lets `recipient` take `action`; only the id's hash is stored. */
  async issue(incidentId: string, action: MimAction, recipient: string, now = new Date()): Promise<string> {
    const id = newLinkId();
    await this.store.putLink({
      hash: hashLinkId(id),
      incidentId,
      action,
      recipient,
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + this.ttlSeconds * 1000).toISOString(),
    });
    return `${this.publicUrl}/a/${id}`;
  }
}
