# Shared by run.sh and campaign.sh (sourced, not run): where the built targets are and which
# dictionary each target's input format wants.
bin=target/x86_64-unknown-linux-gnu/release
dict_for() {
  case "$1" in
    criteria|profile|template) echo "-dict=dict/toml.dict" ;;
    claims|cose_envelope|trust_list|status_list|revocation|serve_api) echo "-dict=dict/cbor.dict" ;;
    qr_verify|symbol_roundtrip) echo "-dict=dict/unicode.dict" ;;
    *) echo "" ;;
  esac
}
