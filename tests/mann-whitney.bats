#!/usr/bin/env bats
# mann-whitney: known answers, and samples large enough to overflow int arithmetic.

load helpers/common

@test "exact: 3 against 3 wholly separated, p = 2 / C(6,3) = 0.1" {
  run mann-whitney <<<'{"a":[1,2,3],"b":[4,5,6]}'
  [ "$status" -eq 0 ]
  [ "$(jq -c '[.u_a, .p_two_sided, .method, .min_possible_p]' <<<"$output")" = '[0,0.1,"exact",0.1]' ]
}

@test "large samples: no overflow past 1,100 or 46,341 values (p ≈ 0 when separated, ≈ 1 when the same)" {
  for n in 1200 50000; do
    run mann-whitney <<<"$(jq -cn --argjson n "$n" '{a: [range($n)], b: [range($n; 2 * $n)]}')"
    [ "$status" -eq 0 ]
    [ "$(jq -c '[(.p_two_sided < 1e-10), (.min_possible_p < 1e-10), .method, (.u_a == 0)]' <<<"$output")" = '[true,true,"normal approximation",true]' ]
    run mann-whitney <<<"$(jq -cn --argjson n "$n" '{a: [range($n)], b: [range($n)]}')"
    [ "$(jq '.p_two_sided > 0.99' <<<"$output")" = true ]
  done
}

@test "power: from the seeds' pooled spread, the seeds per track a difference needs (t: 17 a group for one SD, 6 for two; / 0.955 for the U test)" {
  run mann-whitney <<<'{"a":[0.99,1.00,1.01],"b":[0.99,1.00,1.01]}'
  [ "$status" -eq 0 ]
  [ "$(jq -c '.power | [(.sd_pooled * 1e6 | round), .observed_difference, (.seeds_per_sample | map([.difference, .seeds]))]' <<<"$output")" = \
    '[10000,0,[[0.01,18],[0.02,7],[0.05,4],[0.1,3],[0,null]]]' ]
  # one seed in a sample: no spread, no figure
  run mann-whitney <<<'{"a":[1],"b":[1,2]}'
  [ "$(jq -c .power <<<"$output")" = null ]
}
