import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { TrustplaneError } from '../../core/errors.ts';
import { notificationSettingsFromEnv } from './notification-settings.ts';

const secret = `whsec_${randomBytes(32).toString('base64')}`;

/** The settings refuse `env`: the error names `variable`, says what is wrong, and repeats none of `hidden`. */
const refuses = (env: NodeJS.ProcessEnv, variable: string, problem: RegExp, hidden: readonly string[]) => {
  assert.throws(() => notificationSettingsFromEnv(env), (error: unknown) => {
    assert.ok(error instanceof TrustplaneError);
    assert.equal(error.code, 'VALIDATION_FAILED');
    assert.ok(error.message.startsWith(`the configuration is not valid: ${variable}: `), error.message);
    assert.match(error.message, problem);
    for (const value of hidden) assert.ok(!error.message.includes(value), `the message repeats "${value}": ${error.message}`);
    return true;
  });
};

describe('notification settings from the environment', () => {
  test('configure nothing when nothing is set', () => {
    assert.deepEqual(notificationSettingsFromEnv({}), {});
    assert.deepEqual(notificationSettingsFromEnv({ TRUSTPLANE_SMTP_URL: '', TRUSTPLANE_WEBHOOK_URLS: ' ' }), {});
  });

  test('read the SMTP server, with a default sender', () => {
    assert.deepEqual(notificationSettingsFromEnv({ TRUSTPLANE_SMTP_URL: 'smtp://127.0.0.1:2525' }), { smtp: { url: 'smtp://127.0.0.1:2525', from: 'trustplane@localhost' } });
    const settings = notificationSettingsFromEnv({ TRUSTPLANE_SMTP_URL: 'smtps://ops:p%40ss@mail.example:465', TRUSTPLANE_SMTP_FROM: 'Trustplane <trustplane@example.com>' });
    assert.deepEqual(settings.smtp, { url: 'smtps://ops:p%40ss@mail.example:465', from: 'Trustplane <trustplane@example.com>' });
  });

  test('read webhook URLs separated by commas, each signed with the secret', () => {
    const settings = notificationSettingsFromEnv({ TRUSTPLANE_WEBHOOK_URLS: 'https://hooks.example/a, http://10.0.0.5:8080/in', TRUSTPLANE_WEBHOOK_SECRET: secret });
    assert.deepEqual(settings.webhooks, [{ url: 'https://hooks.example/a', secret }, { url: 'http://10.0.0.5:8080/in', secret }]);
  });

  test('refuse an SMTP URL that is not one, without repeating its password', () => {
    refuses({ TRUSTPLANE_SMTP_URL: 'http://ops:hunter2secret@relay.internal' }, 'TRUSTPLANE_SMTP_URL', /must be an smtp:\/\/ or smtps:\/\/ URL/, ['hunter2secret', 'relay.internal']);
    refuses({ TRUSTPLANE_SMTP_URL: 'ops:hunter2secret' }, 'TRUSTPLANE_SMTP_URL', /smtp:\/\//, ['hunter2secret']);
    refuses({ TRUSTPLANE_SMTP_URL: 'smtp://ops:hunter2secret@mail.example/inbox' }, 'TRUSTPLANE_SMTP_URL', /smtp:\/\//, ['hunter2secret']);
  });

  test('refuse a sender that is not an address', () => {
    refuses({ TRUSTPLANE_SMTP_URL: 'smtp://127.0.0.1', TRUSTPLANE_SMTP_FROM: 'trustplane' }, 'TRUSTPLANE_SMTP_FROM', /must be an email address/, []);
    refuses({ TRUSTPLANE_SMTP_URL: 'smtp://127.0.0.1', TRUSTPLANE_SMTP_FROM: 'a@b.example\r\nBcc: c@d.example' }, 'TRUSTPLANE_SMTP_FROM', /email address/, []);
  });

  test('require a secret for webhooks, and refuse one that is not whsec_ and 24 to 64 bytes of base64', () => {
    const urls = { TRUSTPLANE_WEBHOOK_URLS: 'https://hooks.example/a' };
    refuses(urls, 'TRUSTPLANE_WEBHOOK_SECRET', /is required when TRUSTPLANE_WEBHOOK_URLS is set/, []);
    const bad = [
      randomBytes(32).toString('base64'),
      `whsec_${randomBytes(16).toString('base64')}`,
      `whsec_${randomBytes(65).toString('base64')}`,
      `whsec_${randomBytes(32).toString('hex')}!`,
      `whsec_${randomBytes(32).toString('base64url')}_`,
    ];
    for (const value of bad) {
      refuses({ ...urls, TRUSTPLANE_WEBHOOK_SECRET: value }, 'TRUSTPLANE_WEBHOOK_SECRET', /"whsec_" followed by the base64 of 24 to 64 random bytes/, [value, value.slice(6, 20)]);
    }
  });

  test('refuse a webhook URL list with an entry that is not an http(s) URL, or one listed twice, without repeating them', () => {
    const slack = 'https://hooks.slack.com/services/T000/B000/XXXXsecretXXXX';
    refuses({ TRUSTPLANE_WEBHOOK_URLS: `${slack},ftp://files.example/drop`, TRUSTPLANE_WEBHOOK_SECRET: secret }, 'TRUSTPLANE_WEBHOOK_URLS', /entry 2 is not an http:\/\/ or https:\/\/ URL/, ['XXXXsecretXXXX', 'files.example', secret]);
    refuses({ TRUSTPLANE_WEBHOOK_URLS: `${slack},`, TRUSTPLANE_WEBHOOK_SECRET: secret }, 'TRUSTPLANE_WEBHOOK_URLS', /entry 2 is not/, ['XXXXsecretXXXX']);
    refuses({ TRUSTPLANE_WEBHOOK_URLS: `${slack}, https://b.example, ${slack}`, TRUSTPLANE_WEBHOOK_SECRET: secret }, 'TRUSTPLANE_WEBHOOK_URLS', /entry 3 repeats entry 1/, ['XXXXsecretXXXX']);
  });
});
