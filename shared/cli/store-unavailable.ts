/** The register could not be reached or used as configured: exit 2 with the message (no usage text). */
export class StoreUnavailable extends Error {}
