#include "rt_image.h"

#include <stdlib.h>

void rt_image_free(rt_image *img)
{
	if (img == NULL)
		return;
	free(img->text);
	free(img->func_off);
	free(img->tramp_off);
	free(img->adapter_off);
	free(img->fingerprint);
	free(img);
}
