import { pipeline } from 'node:stream/promises';
import { Controller, Get, Param, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ImageDeliveryService, type ImageAnswer, type ImageRequest } from './image-delivery.service';

function imageRequest(req: Request, projectName: string, datasetName: string, fileId: string): ImageRequest {
  return { projectName, datasetName, fileId, query: req.query, ifNoneMatch: req.header('if-none-match') };
}

async function send(res: Response, answer: ImageAnswer): Promise<void> {
  res.status(answer.status).set(answer.headers);
  if (!answer.body) res.end();
  else if (Buffer.isBuffer(answer.body)) res.end(answer.body);
  // A client that goes away mid-download ends the pipeline; the file handle closes with the stream either way.
  else await pipeline(answer.body, res).catch(() => undefined);
}

/** Images behind signed URLs (ImageAccessService): `<img>` elements cannot send an Authorization header. */
@ApiExcludeController()
@Controller()
export class ThumbnailsController {
  constructor(private readonly delivery: ImageDeliveryService) {}

  @Get('thumbnails/:project/:dataset/:file.webp')
  async thumbnail(@Req() req: Request, @Res() res: Response, @Param('project') project: string, @Param('dataset') dataset: string, @Param('file') file: string) {
    await send(res, await this.delivery.thumbnail(imageRequest(req, project, dataset, file)));
  }

  @Get('images/:project/:dataset/:file')
  async original(@Req() req: Request, @Res() res: Response, @Param('project') project: string, @Param('dataset') dataset: string, @Param('file') file: string) {
    await send(res, await this.delivery.original(imageRequest(req, project, dataset, file)));
  }
}
