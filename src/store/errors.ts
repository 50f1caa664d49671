import { StocksyncError, type ErrorCode } from '../errors.js';

export class StoreError extends StocksyncError {
  constructor(code: ErrorCode, message: string) {
    super(code, message);
    this.name = 'StoreError';
  }
}
