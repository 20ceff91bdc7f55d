import { Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { requestIdOf } from '../common/access-log';
import { GalleryService, type GalleryDocument } from './gallery.service';

function send(res: Response, document: GalleryDocument): void {
  res.set(document.headers).type(document.contentType);
  // Express answers 304 itself when If-None-Match names this ETag.
  if (document.etag) res.set('etag', document.etag);
  res.send(document.body);
}

/** `/gallery`: a server-rendered page with one script, on top of the API and the signed image URLs. */
@ApiExcludeController()
@Controller('gallery')
export class GalleryController {
  constructor(private readonly gallery: GalleryService) {}

  @Get()
  page(@Res() res: Response): void {
    send(res, this.gallery.document('page'));
  }

  @Get('app.js')
  script(@Res() res: Response): void {
    send(res, this.gallery.document('script'));
  }

  @Get('app.css')
  style(@Res() res: Response): void {
    send(res, this.gallery.document('style'));
  }

  @Post('image-urls')
  @HttpCode(200)
  async imageUrls(@Req() req: Request) {
    return { RequestId: requestIdOf(req), ...(await this.gallery.imageUrls(req)) };
  }
}
