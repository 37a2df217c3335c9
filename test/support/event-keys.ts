import { generateEventKeyPair } from '../../workflows/rules/event-signature.js';

/** The API's event key pair in a test file: its clients sign with it, its workers accept it. */
export const TEST_EVENT_KEYS = generateEventKeyPair();

/** The key pair the test file's API processes sign case dossiers with. */
export const TEST_DOSSIER_KEYS = generateEventKeyPair();
