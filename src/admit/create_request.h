// A container create request as the engine will see it, judged before the container exists: the request body
// (Config + HostConfig, as `POST /containers/create` takes it) merged with the image's own config the way
// the engine merges them (User, Env, Labels, Healthcheck and VOLUMEs come from the image unless the request
// sets them), and the mounts the engine is about to make: binds, named volumes, and an anonymous volume for
// every declared VOLUME that nothing else covers. Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "docker/types.h"

namespace shipshape::admit {

struct CreateRequest {
  docker::ContainerInspect container;  // Id is empty; Name is the ?name= query or "(unnamed)"
  std::optional<docker::ImageInspect> image;
};

// `image_json` is the engine's image inspect answer for the request's Image, when the image is present.
Result<CreateRequest> parseCreateRequest(std::string_view body, std::string_view name,
                                         const std::optional<std::string>& image_json);

// The request's "Image", or an error when the body is not a create request.
Result<std::string> requestedImage(std::string_view body);

}  // namespace shipshape::admit
