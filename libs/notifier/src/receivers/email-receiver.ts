import { createTransport, type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import { render, type Notification } from '../format/render';
import { type Receiver, ReceiverError, ReceiverErrorCodes } from './receiver';

export interface EmailReceiverOptions {
  /** smtp://user:password@host:587 or smtps://…:465; the password is a secret (never logged). */
  smtpUrl: string;
  from: string;
  to: readonly string[];
  timeoutMs: number;
}

/** Plain-text mail over SMTP, through nodemailer. One mail per message, to every address in `to`. */
export class EmailReceiver implements Receiver {
  readonly name = 'email';
  private readonly transport: Transporter<SMTPTransport.SentMessageInfo, SMTPTransport.Options>;

  constructor(private readonly options: EmailReceiverOptions) {
    const smtp: SMTPTransport.Options = {
      url: options.smtpUrl,
      connectionTimeout: options.timeoutMs,
      greetingTimeout: options.timeoutMs,
      socketTimeout: options.timeoutMs,
    };
    this.transport = createTransport(smtp);
  }

  async send(n: Notification): Promise<void> {
    const { title, text } = render(n);
    try {
      await this.transport.sendMail({
        from: this.options.from,
        to: [...this.options.to],
        subject: title,
        text,
        // The same alert's mails thread together in a mail client.
        headers: { 'X-StockSync-Alert': `${n.kind}:${n.key}`, 'X-StockSync-Delivery': n.id },
      });
    } catch (err) {
      const e = err as { responseCode?: number; code?: string };
      // 5xx from the server is a refusal that repeats (a bad address, auth failed); the rest may pass later.
      if (typeof e.responseCode === 'number')
        throw new ReceiverError(ReceiverErrorCodes.REFUSED, `SMTP ${e.responseCode}`, e.responseCode < 500);
      throw new ReceiverError(ReceiverErrorCodes.UNREACHABLE, `SMTP ${e.code ?? 'connection failed'}`, true);
    }
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}
