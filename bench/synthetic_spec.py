"""The benchmark's synthetic spec: the same shape as crates/planner/benches/synthetic.rs."""


def spec(n: int) -> str:
    y = ("app: bench\nregion: us-east-1\nruntime: eks\nenvironments:\n  dev: {}\n  staging: {}\n  prod: {}\n"
         "edge: {domain: bench.example.com}\n")
    stores = max(n // 10, 1)
    engines = ["aurora-postgresql", "redis", "sqs", "s3"]
    y += "data:\n"
    for i in range(stores):
        y += f"  d{i}: {{engine: {engines[i % len(engines)]}}}\n"
    y += "services:\n"
    for i in range(n):
        expose = "public" if i % 10 == 0 else ("none" if i % 10 == 9 else "internal")
        deps = [f"d{i % stores}"]
        if i > 0 and (i - 1) % 10 != 9:
            deps.append(f"s{i - 1}")
        strategy = "canary" if i % 3 == 0 else "rolling"
        y += (f"  s{i}:\n    expose: {expose}\n    path: /s{i}\n    depends_on: [{', '.join(deps)}]\n"
              f"    secrets: {{TOKEN: bench/s{i}-token}}\n    deploy: {{strategy: {strategy}}}\n")
    return y
