// `docker-credential-shipshape`: the docker credential-helper protocol over shipshape's own store
// (registry/credential_store.h). The same binary, chosen by the name it is run under, so that the docker CLI,
// dockerd's users and `shipshape push` all read the same rotated secrets.
#pragma once

namespace shipshape::cli {

// True when argv[0]'s file name is docker-credential-shipshape.
bool isCredentialHelperName(const char* argv0);

// The helper: VERB in argv[1] (store, get, erase, list, version); input on stdin, answers on stdout, errors
// on stdout too (the protocol's convention) with exit 1.
int runCredentialHelper(int argc, char** argv);

}  // namespace shipshape::cli
