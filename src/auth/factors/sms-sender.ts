/**
 * How SMS messages leave Serums: a pluggable `SmsSender`. The default writes each message as one
 * JSON line to a local outbox file (SERUMS_SMS_OUTBOX, default ./data/sms-outbox.jsonl, mode
 * 0600) — for development, demos and tests; a deployment plugs in its SMS gateway instead. The
 * phone number is personal data and the body holds a live code: neither is ever logged.
 */
import { appendFile, chmod, mkdir } from "node:fs/promises";
import path from "node:path";

export interface SmsMessage {
  /** E.164, e.g. "+447700900123". */
  to: string;
  body: string;
}

export interface SmsSender {
  send(message: SmsMessage): Promise<void>;
}

export const DEFAULT_SMS_OUTBOX = path.join("data", "sms-outbox.jsonl");

/** The outbox file's path: SERUMS_SMS_OUTBOX or ./data/sms-outbox.jsonl. */
export function smsOutboxPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.SERUMS_SMS_OUTBOX || DEFAULT_SMS_OUTBOX;
}

/** Appends `{"at", "to", "body"}` lines to `file`, creating it (mode 0600) and its folder. */
export function outboxSmsSender(file: string, now: () => number = Date.now): SmsSender {
  return {
    async send(message) {
      await mkdir(path.dirname(path.resolve(file)), { recursive: true });
      const line = `${JSON.stringify({ at: new Date(now()).toISOString(), to: message.to, body: message.body })}\n`;
      await appendFile(file, line, { mode: 0o600 });
      await chmod(file, 0o600);
    },
  };
}

/** A sender that keeps messages in memory, for tests. */
export function memorySmsSender(): SmsSender & { sent: SmsMessage[] } {
  const sent: SmsMessage[] = [];
  return {
    sent,
    async send(message) {
      sent.push(message);
    },
  };
}
