#!/bin/sh
# --measurement-log (issue 17 §3): every realm's RIM, extension by extension, replayed here by a
# calculator of our own (Perl's core JSON::PP and Digest::SHA, nothing of caec's) and compared
# with the RIM caec attest predicts and the RIMs caec run's realms have.
. "$(dirname "$0")/common.sh"

# replay LOG: for each realm, H(input) of every extension is the RIM after it, each descriptor
# holds the RIM before it (and the content hash of the data or REC it measures), and the last
# value is the realm's RIM. Prints "NAME RIM" per realm.
replay() {
  perl -MJSON::PP -MDigest::SHA -e '
    local $/; my $log = decode_json(<STDIN>);
    $log->{format} eq "caec-measurement-log/1" or die "format $log->{format}\n";
    for my $r (@{$log->{realms}}) {
      my $h = $r->{hash_algorithm} eq "sha512" ? \&Digest::SHA::sha512_hex : \&Digest::SHA::sha256_hex;
      my ($rim, $n) = ("", 0);
      for my $e (@{$r->{extensions}}) {
        my $input = pack("H*", $e->{input});
        die "$r->{name} extension $n ($e->{what}) does not hold the RIM before it\n"
          if $n > 0 && index($e->{input}, $rim) < 0;
        die "$r->{name} extension $n ($e->{what}): content hash\n"
          if ($e->{what} eq "data" && $e->{measured} && $h->(pack("H*", $e->{contents})) ne $e->{content_hash})
          || ($e->{what} eq "rec" && $h->(pack("H*", $e->{content_input})) ne $e->{content_hash});
        $rim = $h->($input);
        die "$r->{name} extension $n ($e->{what}): H(input) is $rim, the log says $e->{rim}\n" if $rim ne $e->{rim};
        $n++;
      }
      die "$r->{name}: the extensions end at $rim, the log says $r->{rim}\n" if $rim ne $r->{rim};
      die "$r->{name}: the first extension is $r->{extensions}[0]{what}\n" if $r->{extensions}[0]{what} ne "realm-params";
      print "$r->{name} $rim\n";
    }' <"$1"
}

# caec attest: the log replays to the RIM it predicts, and tells what a verifier needs: the
# realm parameters (num_bps, num_wps), the measured manifest, RIPAS entries with their level.
"$caec" attest -o token.cbor --measurement-log attest.json >out
rim=$(sed -n 's/^expected RIM (predicted by the realm owner): //p' out)
[ "$(replay attest.json)" = "attested-realm $rim" ] || { echo "attest log replays to $(replay attest.json), not $rim"; exit 1; }
grep -q '"num_bps"' attest.json
grep -q '"what": "ripas"' attest.json
grep -q '"level": 3' attest.json
grep -q '"contents": "636165632d7265616c6d2d696d616765' attest.json  # "caec-realm-image", the manifest
# A tampered log does not replay.
sed '0,/"rim": "[0-9a-f]/s//"rim": "x/' attest.json >bad.json
! replay bad.json 2>/dev/null

# caec run: one log per realm, in the scenario's order, with the RIMs the realms have.
example="$scenarios/one_provider_two_consumers.json"
"$caec" run "$example" --json --measurement-log run.json >result.json
replay run.json | cut -d' ' -f2 | sort >replayed
grep '"rim"' result.json | tr -d ' ,"' | sed 's/^rim://' | sort -u >actual
cmp replayed actual || { echo "the replayed RIMs are not the realms':"; cat replayed actual; exit 1; }
[ "$(replay run.json | cut -d' ' -f1 | tr '\n' ' ')" = "provider reader writer " ]
# caec inspect writes the log it is asked for, and nothing else.
mkdir look
(cd look && "$caec" inspect "$example" --after 2 --measurement-log ../inspect.json >/dev/null)
[ -z "$(ls -A look)" ]
cmp run.json inspect.json || { echo "inspect's log differs from run's"; exit 1; }
expect_exit 2 '--measurement-log no/such/dir/m.json: cannot write there' "$caec" run "$example" --measurement-log no/such/dir/m.json
echo "measurement log: ok"
