/** `hark page-test <person> --channel sms|voice|email`: send a test page now, outside any incident. */
import { createLogger } from '../../log.js';
import { escapeXml, testPageText } from '../../pages/format.js';
import { sayTwiml } from '../../pages/twiml.js';
import { transportsFromEnv } from '../../pages/transports.js';
import { configDir, load, type CliEnv } from '../context.js';
import { CheckFailed, UsageError } from '../output.js';

export interface PageTestFlags {
  readonly channel: string;
  readonly config?: string;
}

export async function pageTestCommand(personName: string, flags: PageTestFlags, cli: CliEnv): Promise<void> {
  const config = load(configDir(cli.env, flags.config), cli);
  const person = config.people.get(personName);
  if (!person)
    throw new UsageError(`unknown person "${personName}" (people: ${[...config.people.keys()].join(', ')})`);
  const channel = flags.channel;
  if (channel !== 'sms' && channel !== 'voice' && channel !== 'email') {
    throw new UsageError(`invalid --channel "${channel}": use sms, voice or email`);
  }
  const address = person[channel];
  if (!address)
    throw new CheckFailed(
      `hark: ${personName} has no ${channel === 'email' ? 'email address' : `${channel} number`}`,
    );
  const transports = transportsFromEnv(cli.env, createLogger(cli.env.LOG_LEVEL ?? 'error'));
  const text = testPageText(person);
  try {
    const receipt =
      channel === 'sms'
        ? await transports.sms.sendSms({ to: address, body: text, statusCallback: null })
        : channel === 'voice'
          ? await transports.voice.call({
              to: address,
              twimlUrl: '',
              twiml: sayTwiml(text, false),
              statusCallback: null,
            })
          : await transports.email.sendEmail({
              to: address,
              subject: 'Hark test page',
              text,
              html: `<p>${escapeXml(text)}</p>`,
            });
    cli.out.stdout(
      `test ${channel} page to ${personName} ${receipt.via === 'console' ? 'printed (no provider configured)' : `sent via ${receipt.via}`}${receipt.providerId ? ` (${receipt.providerId})` : ''}\n`,
    );
  } catch (e) {
    throw new CheckFailed(`hark: the test page failed: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    await transports.close();
  }
}
