import { Injectable } from '@nestjs/common';

/** The one source of "now"; tests replace it with a fixed clock. */
export abstract class Clock {
  abstract now(): Date;
}

@Injectable()
export class SystemClock extends Clock {
  now(): Date {
    return new Date();
  }
}
