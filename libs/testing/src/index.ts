export { ImmClient, uniqueName, waitFor, type Encoding, type ImmResponse } from './imm-client';
export { WebhookReceiver, type ReceivedWebhook } from './webhook-receiver';
export { REPO_ROOT, STACK_APPS, deleteInstallationConsumers, freePort, startStack, type ExitStatus, type Stack, type StackApp, type StackAppName, type StackOptions } from './stack';
