import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { classify, explainClassification } from '../../functions/core/classify';
import { parseConfig } from '../../functions/core/config';

const config = parseConfig(readFileSync('config/organisation.yaml', 'utf8'));

describe('classification against the agreed criteria', () => {
  it('an alarm on a tier 1 service is a P1 major incident, with the reasons', () => {
    const result = classify(config, { source: 'alarm', service: 'payments' });

    expect(result).toMatchObject({ impact: 'high', urgency: 'high', priority: 'P1', verdict: 'major' });
    expect(result.reasons).toEqual([
      'impact high: payments is a tier 1 service',
      'urgency high: a monitoring alarm is firing',
      'priority P1: impact high x urgency high',
      'major: P1 is an agreed major-incident priority (P1)',
    ]);
  });

  it('an alarm on a tier 3 service is below the criteria and goes to the normal queue', () => {
    const result = classify(config, { source: 'alarm', service: 'reporting' });

    expect(result).toMatchObject({ priority: 'P3', verdict: 'minor' });
    expect(result.reasons.at(-1)).toBe('minor: P3 is below the major-incident criteria; it goes to the normal incident queue');
  });

  it('a P2 is a candidate that the MIM accepts or rejects', () => {
    const result = classify(config, { source: 'manual', service: 'payments', impact: 'high', urgency: 'medium' });

    expect(result).toMatchObject({ priority: 'P2', verdict: 'candidate' });
  });

  it('a person declaring below the criteria still gets an MIM decision, never a silent drop', () => {
    const result = classify(config, { source: 'manual', service: 'reporting', impact: 'low', urgency: 'low' });

    expect(result).toMatchObject({ priority: 'P4', verdict: 'candidate' });
    expect(result.reasons.at(-1)).toMatch(/a person declared it, so the MIM decides/);
  });

  it('an alarm for a service the config does not know is treated as the configured default tier', () => {
    const result = classify(config, { source: 'alarm', service: 'unmapped' });

    expect(result.reasons[0]).toBe('impact medium: unmapped is not a known service, so it is treated as tier 2');
    expect(result.priority).toBe('P2');
  });
});

describe('a dry run of the criteria (mim classify --explain)', () => {
  it('an alarm is explained from its name: the service its pattern maps it to, then each step of the criteria', () => {
    const result = explainClassification(config, { alarm: 'reporting-lag' });

    expect(result).toMatchObject({ service: 'reporting', priority: 'P3', verdict: 'minor' });
    expect(result.lines[0]).toBe('alarm reporting-lag: belongs to reporting (its pattern reporting-*)');
    expect(result.lines.at(-1)).toBe('so it goes to the normal incident queue: nobody is paged');
  });

  it('an alarm no pattern takes is explained as the unmapped service it would open', () => {
    const result = explainClassification(config, { alarm: 'mystery-alarm' });

    expect(result.service).toBe('unmapped');
    expect(result.lines[0]).toBe(
      'alarm mystery-alarm: matches no service\'s alarm patterns, so its incident\'s service is "unmapped"',
    );
  });

  it('a declaration for a service that is not in the config is explained as refused, as the API refuses it', () => {
    const result = explainClassification(config, { service: 'no-such-service', impact: 'high', urgency: 'high' });

    expect(result.lines).toEqual([
      'no-such-service is not a service in the config, so a declaration for it is refused; services: payments, checkout, reporting',
    ]);
  });

  it('a declaration is explained with its own impact and urgency, and says a candidate pages the MIM to decide', () => {
    const result = explainClassification(config, { service: 'payments', impact: 'high', urgency: 'medium' });

    expect(result).toMatchObject({ priority: 'P2', verdict: 'candidate' });
    expect(result.lines.at(-1)).toBe('so it opens a candidate: the on-call MIM is paged to accept it as major or reject it');
  });
});
