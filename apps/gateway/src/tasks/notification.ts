import { z } from 'zod';

/**
 * IMM's Notification parameter. simclust delivers by webhook, so the MNS and RocketMQ shapes are refused with a
 * message that says so; the URL itself is checked by TaskRecorder (it needs DNS).
 */
export const notificationParam = z
  .object({
    Webhook: z.object({ URL: z.string().min(1).max(2048) }).strict().optional(),
    MNS: z.unknown().optional(),
    RocketMQ: z.unknown().optional(),
    ExtendedMessageURI: z.string().optional(),
  })
  .superRefine((n, ctx) => {
    if (n.MNS !== undefined || n.RocketMQ !== undefined) {
      ctx.addIssue({ code: 'custom', message: 'simclust delivers task notifications by webhook: use {"Webhook":{"URL":"https://…"}} (MNS and RocketMQ are not available)' });
    } else if (!n.Webhook) {
      ctx.addIssue({ code: 'custom', message: 'must name a webhook: {"Webhook":{"URL":"https://…"}}' });
    }
  });
export type NotificationParam = z.output<typeof notificationParam>;
