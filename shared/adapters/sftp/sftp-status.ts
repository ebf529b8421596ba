import ssh2 from 'ssh2';

// ssh2 is CommonJS: Node's ESM loader offers only its default export (named imports work in vitest, not in dist/).
const { utils } = ssh2;

export const STATUS = utils.sftp.STATUS_CODE;
export const OPEN_MODE = utils.sftp.OPEN_MODE;

/**
 * A request refused with an SFTP status code (thrown by a handler, answered as that status). `told`: the status
 * message the client is sent (a code and what to do), when the client's own default text would not say why.
 */
export class SftpRefusal extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly told?: string,
  ) {
    super(message);
    this.name = 'SftpRefusal';
  }
}

export function refuse(code: number, message: string, told?: string): never {
  throw new SftpRefusal(code, message, told);
}

/** The status a failed request is answered with: the refusal's own, or the file system error's nearest. */
export function statusOf(error: unknown): { code: number; reason: string; told?: string } {
  if (error instanceof SftpRefusal)
    return { code: error.code, reason: error.message, ...(error.told !== undefined ? { told: error.told } : {}) };
  const errno = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (errno) {
    case 'ENOENT':
    case 'ENOTDIR':
    case 'ELOOP':
      return { code: STATUS.NO_SUCH_FILE, reason: errno };
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return { code: STATUS.PERMISSION_DENIED, reason: errno };
    default:
      return { code: STATUS.FAILURE, reason: errno ?? 'ERROR' };
  }
}
