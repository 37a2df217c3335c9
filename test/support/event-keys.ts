import { generateEventKeyPair } from '../../workflows/rules/event-signature.js';

/** The API's event key pair in a test file: its clients sign with it, its workers accept it. */
export const TEST_EVENT_KEYS = generateEventKeyPair();
