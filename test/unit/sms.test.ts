import { describe, expect, it } from 'vitest';
import { fitSms, smsSegments, toSmsText } from '../../functions/core/sms';

const LINK = 'https://abc123defg.execute-api.eu-west-1.amazonaws.com/a/Qm9iIGlzIG9uIGNhbGwgdG9kYXk';

describe('SMS', () => {
  it('a page with a long alarm description stays within two GSM-7 segments and keeps its link whole', () => {
    const text = `MIM page P1 INC-20261127-4F2A9C payments: ${'Payments API 5xx rate above 5% in eu-west-1 '.repeat(12)}. accept: ${LINK}`;

    const sms = fitSms(text);

    expect(smsSegments(sms)).toMatchObject({ count: 2, encoding: 'GSM-7' });
    expect(sms.endsWith(`... accept: ${LINK}`)).toBe(true);
    expect(sms.startsWith('MIM page P1 INC-20261127-4F2A9C payments: Payments API 5xx')).toBe(true);
  });

  it('typography and accents that have a GSM-7 form do not turn the whole SMS into UCS-2', () => {
    const sms = toSmsText('Checkout “down” — in Zürich, crêpe café… ok');

    // ü and é are GSM-7; ê is not, and loses its accent.
    expect(sms).toBe('Checkout "down" - in Zürich, crepe café... ok');
    expect(smsSegments(sms).encoding).toBe('GSM-7');
  });

  it('an alarm in Japanese reaches the phone in Japanese (UCS-2), within three segments, its link whole', () => {
    const text = `MIM page P1 INC-20261127-4F2A9C payments: ${'決済APIのエラー率が5%を超えました。'.repeat(8)} accept: ${LINK}`;

    const sms = fitSms(text);

    expect(smsSegments(sms)).toMatchObject({ count: 3, encoding: 'UCS-2' });
    expect(sms).toContain('決済APIのエラー率');
    expect(sms.endsWith(`... accept: ${LINK}`)).toBe(true);
  });

  it('an emoji is kept, and a cut never splits one', () => {
    const family = '👩‍👩‍👧';
    const sms = fitSms(`Checkout 🔥 ${family.repeat(60)} accept: ${LINK}`);

    expect(sms.startsWith('Checkout 🔥 👩‍👩‍👧')).toBe(true);
    expect(
      sms
        .replace(/^Checkout 🔥 /, '')
        .split('...')[0]!
        .replaceAll(family, ''),
    ).toBe('');
    expect(smsSegments(sms)).toMatchObject({ count: 3, encoding: 'UCS-2' });
    expect(sms.endsWith(`... accept: ${LINK}`)).toBe(true);
  });

  it('GSM-7 extension characters count double, and the text still fits', () => {
    const sms = fitSms(`${'{braces} [brackets] ~tilde~ |pipe| €'.repeat(20)} ${LINK}`);

    expect(smsSegments(sms).count).toBeLessThanOrEqual(2);
    expect(sms.endsWith(LINK)).toBe(true);
  });

  it('a 100 KB alarm description is cut to the budget like a short one, with its link whole', () => {
    const head = 'MIM page P1 INC-20261127-4F2A9C payments: ';
    const long = `${head}${'Disk full on ab-12; é ü “quoted” … '.repeat(3000)} accept: ${LINK}`;
    const short = `${head}${'Disk full on ab-12; é ü “quoted” … '.repeat(12)} accept: ${LINK}`;

    const sms = fitSms(long);

    expect(sms).toBe(fitSms(short));
    expect(smsSegments(sms)).toMatchObject({ count: 2, encoding: 'GSM-7' });
    expect(sms.endsWith(`... accept: ${LINK}`)).toBe(true);
  });

  it('a text ending in a URL too long to be our link is cut like any text, within the budget', () => {
    const console = `https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/${'x'.repeat(400)}`;
    const text = `INC-20261201-AB12CD RESOLVED: Gateway rolled back. Details: ${console}`;

    const sms = fitSms(text);

    expect(smsSegments(sms)).toMatchObject({ count: 2, encoding: 'GSM-7' });
    expect(sms.startsWith('INC-20261201-AB12CD RESOLVED: Gateway rolled back. Details: https://')).toBe(true);
    expect(sms.endsWith('...')).toBe(true);
  });

  it('typography in the link part is made plain too, and keeps the SMS in GSM-7', () => {
    const text = `INC-20261201-AB12CD RESOLVED: ${'Gateway rolled back; payments recovered. '.repeat(4)}Write-up: https://status.example.com/incidents/1234…`;

    expect(smsSegments(fitSms(text)).encoding).toBe('GSM-7');
  });

  it('a short SMS is sent as it is', () => {
    expect(fitSms('MIM page P1 INC-1 payments: down. accept: https://x.example/a/1')).toBe(
      'MIM page P1 INC-1 payments: down. accept: https://x.example/a/1',
    );
  });
});
