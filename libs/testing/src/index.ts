export { ImmClient, uniqueName, waitFor, type Encoding, type ImmResponse } from './imm-client';
export { WebhookReceiver, type ReceivedWebhook } from './webhook-receiver';
