import { All, Controller, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { DispatcherService } from './dispatcher.service';

/** `POST|GET /?Action=<Operation>`: the endpoint IMM's SDKs call. */
@ApiExcludeController()
@Controller()
export class ImmController {
  constructor(private readonly dispatcher: DispatcherService) {}

  @All()
  rpc(@Req() req: Request, @Res() res: Response): Promise<void> {
    return this.dispatcher.handleRpc(req, res);
  }
}

/** `/v1/...`: resource-style routes onto the same operations. */
@ApiExcludeController()
@Controller('v1')
export class RestController {
  constructor(private readonly dispatcher: DispatcherService) {}

  @All('*path')
  rest(@Req() req: Request, @Res() res: Response): Promise<void> {
    return this.dispatcher.handleRest(req, res);
  }
}
