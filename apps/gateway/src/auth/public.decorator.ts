import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC_KEY = 'ofg:is-public';

/** Marks a controller or route as reachable without authentication. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC_KEY, true);
