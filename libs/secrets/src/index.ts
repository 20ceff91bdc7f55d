export { SecretBox, constantTimeEqual, generateSecret, generateWebhookSecret } from './secret-box';
